#pragma once
// TETHER_NOT_AN_AGGREGATE(Type): for option types that own memory and are passed to
// coroutines (SpawnOptions, PoolOptions).
//
// g++ builds an aggregate-initialised temporary that needs a destructor in one place
// and destroys it in another when the temporary is part of a co_await expression, so
//   co_await open_pool(self, tether::PoolOptions{.workers = 4}, body);
// copies garbage and frees the options' strings twice (verified on g++ 12.2; see
// tests/unit/coroutine_arguments_test.cpp). On g++ these types get a user-provided
// constructor, which makes that line a compile error (designated initialisers need an
// aggregate) instead of heap corruption at run time. Name the options first:
//   tether::PoolOptions options;
//   options.workers = 4;
//   co_await open_pool(self, options, body);
// Other compilers keep the aggregate, designated initialisers included. Option types
// that are trivially destructible (CallOptions, StreamOptions) are safe as they are.

#if defined(__GNUC__) && !defined(__clang__)
#define TETHER_NOT_AN_AGGREGATE(Type) \
  Type() {}
#else
#define TETHER_NOT_AN_AGGREGATE(Type)
#endif
