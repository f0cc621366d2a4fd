#pragma once
// The one include for programs that use tether (DESIGN.md's sketch): a Program with
// exposed functions, actor nurseries, portals and calls, contexts and streams, the Pool,
// cancel scopes and offload. Contracts live in each header:
//   tether/actor/program.hpp        the process: roles, signals, the root's exit code
//   tether/actor/actor.hpp          an actor: serve, run, connect, find_actor
//   tether/actor/actor_nursery.hpp  children linked to their parent; teardown ladder
//   tether/actor/portal.hpp         calls to another actor
//   tether/actor/context.hpp        long dialogs with a credit stream both ways
//   tether/actor/errors.hpp         what a failure says (RemoteError, PeerLost, ...)
//   tether/pool/pool.hpp            a pool of worker actors for map-style work
//   tether/concurrency/nursery.hpp  structured tasks inside one actor
//   tether/concurrency/cancel_scope.hpp  deadlines and shields
//   tether/concurrency/offload.hpp  CPU-bound work off the actor's loop

#include "tether/fwd.hpp"

#include "tether/actor/actor.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/context.hpp"
#include "tether/actor/errors.hpp"
#include "tether/actor/exit.hpp"
#include "tether/actor/portal.hpp"
#include "tether/actor/program.hpp"
#include "tether/actor/stream.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/concurrency/offload.hpp"
#include "tether/pool/pool.hpp"
