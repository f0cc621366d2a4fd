# Finds every dependency and, when one is missing, names the Debian package that
# provides it (scripts/install-deps.sh installs them all).

function(tether_require found package what)
  if(NOT ${found})
    message(FATAL_ERROR
      "tether: ${what} not found. Install the Debian package '${package}' "
      "(or run scripts/install-deps.sh, which installs every dependency).")
  endif()
endfunction()

find_package(cppzmq QUIET CONFIG)
tether_require(cppzmq_FOUND "libzmq3-dev cppzmq-dev" "ZeroMQ with cppzmq")

find_package(FlatBuffers QUIET CONFIG)
tether_require(FlatBuffers_FOUND "libflatbuffers-dev flatbuffers-compiler" "FlatBuffers")
if(NOT TARGET flatbuffers::flatc)
  message(FATAL_ERROR "tether: flatc not found. Install the Debian package 'flatbuffers-compiler'.")
endif()

# 1.81 exactly as the floor: 1.74 (libboost-dev) lacks per-operation cancellation,
# awaitable operators and channels.
find_package(Boost 1.81 QUIET CONFIG)
tether_require(Boost_FOUND "libboost1.81-dev (never libboost-dev: it is 1.74)" "Boost >= 1.81")

find_package(fmt QUIET CONFIG)
tether_require(fmt_FOUND "libfmt-dev" "fmt")

find_package(CLI11 QUIET CONFIG)
tether_require(CLI11_FOUND "libcli11-dev" "CLI11")

find_package(Threads REQUIRED)

if(TETHER_BUILD_TESTS)
  find_package(GTest QUIET CONFIG)
  tether_require(GTest_FOUND "libgtest-dev libgmock-dev" "GoogleTest")
endif()
if(TETHER_BUILD_BENCH)
  find_package(benchmark QUIET CONFIG)
  tether_require(benchmark_FOUND "libbenchmark-dev" "Google Benchmark")
endif()
