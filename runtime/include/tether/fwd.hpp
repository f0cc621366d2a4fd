#pragma once
// Forward declarations of tether's public types, for headers that name them without
// using them (a function taking an Actor& or returning a task<Portal>). Include
// tether/tether.hpp, or the one header of each type, where it is used.

#include "tether/base/task.hpp"

namespace tether {

// Concurrency (tether/concurrency/).
class Nursery;
class TaskHandle;
class CancelScope;
class Event;
template <class T>
class Reply;
class Subscription;

// Actors (tether/actor/).
struct ActorIdentity;
struct ActorOptions;
class Actor;
class ActorNursery;
struct SpawnOptions;
class Portal;
struct CallOptions;
class Call;
class Context;
class RemoteContext;
struct StreamOptions;
class Functions;
struct PackedPayload;
class Program;
class ChildProcess;
struct ExitStatus;
struct ActorExit;

// Errors (tether/actor/errors.hpp, tether/concurrency/errors.hpp).
class RemoteError;
class ErrorGroup;
class PeerLost;
class ActorExited;
class BootFailed;
class Timeout;

// Work pools (tether/pool/) and discovery (tether/discovery/).
class Pool;
struct PoolOptions;
class RegistryClient;
struct RegistryClientOptions;

}  // namespace tether
