#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include <fmt/core.h>

#include <zmq.hpp>

#include "commands.hpp"
#include "registry_connection.hpp"
#include "tether/actor/actor.hpp"
#include "tether/actor/errors.hpp"
#include "tether/base/host.hpp"

namespace tether::cli {

int run_cancel(const CancelCommand& command) {
  return run_with_registry(
      command.registry, command.timeout, Bound::each_step, "tether cancel",
      [&](RegistryClient& client, zmq::context_t& context) -> task<void> {
        // The operator's view spans namespaces; --namespace and --uid narrow it.
        auto named = co_await client.lookup(command.name, NameScope::everywhere());
        // An entry outlives a killed actor by up to its lease: one whose process is gone
        // from this host is no candidate.
        const std::string here = host_name();
        std::erase_if(named, [&](const ActorRecord& r) {
          return (!command.uid.empty() && r.uid != command.uid) ||
                 (!command.name_space.empty() && r.name_space != command.name_space) ||
                 (r.host == here && r.pid != 0 && ::kill(static_cast<pid_t>(r.pid), 0) != 0 &&
                  errno == ESRCH);
        });
        if (named.empty())
          throw ActorNotFound("no actor named '" + command.name + "'" +
                              (command.uid.empty() ? "" : " with uid " + command.uid) +
                              (command.name_space.empty() ? ""
                                                          : " in namespace " + command.name_space) +
                              " is registered");
        if (named.size() > 1) {
          // Which one is meant cannot be told: stopping a guess could end another program.
          std::string which;
          for (const auto& r : named) which += "\n  " + r.uid + " in namespace " + r.name_space;
          throw std::invalid_argument(fmt::format(
              "{} actors are named '{}'; pass --uid or --namespace to say which:{}", named.size(),
              command.name, which));
        }
        const ActorRecord target = named.front();

        // Its parent stops it through its teardown ladder; a root is asked directly.
        ActorRecord ask = target;
        std::string child_uid;
        if (!target.parent_uid.empty()) {
          for (const auto& r : co_await client.list())
            if (r.uid == target.parent_uid) ask = r;
          if (ask.uid == target.uid)
            throw ActorNotFound("the parent " + target.parent_uid + " of '" + target.name +
                                "' is not registered");
          child_uid = target.uid;
        }
        if (ask.endpoints.empty())
          throw ActorNotFound("actor '" + ask.name + "' is registered without an endpoint");

        Functions none;
        ActorOptions options;
        options.name = "tether-cancel";
        options.connect_timeout = command.timeout;
        Actor self(co_await boost::asio::this_coro::executor, context, none, options);
        auto stop = [&]() -> task<void> {
          Portal portal = co_await self.connect(ask.endpoints.front());
          co_await portal.request_stop(child_uid, command.timeout);
        };
        co_await self.run(stop());
        std::printf("stopped %s (%s)%s\n", target.name.c_str(), target.uid.c_str(),
                    child_uid.empty() ? "" : (" via its parent " + ask.name).c_str());
      });
}

}  // namespace tether::cli
