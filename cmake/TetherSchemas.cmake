# tether_add_user_schema(<target> <schema.fbs>...)
# Generates C++ for user payload schemas, with the object API and type names that
# typed calls need (--gen-object-api --gen-name-strings), as an INTERFACE library.
function(tether_add_user_schema target)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_generated)
  set(outputs)
  set(sources)
  foreach(schema IN LISTS ARGN)
    get_filename_component(abs ${schema} ABSOLUTE)
    get_filename_component(stem ${schema} NAME_WE)
    list(APPEND sources ${abs})
    list(APPEND outputs ${gen_dir}/${stem}_generated.h)
  endforeach()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND flatbuffers::flatc --cpp --scoped-enums --cpp-std c++17 --gen-object-api --gen-name-strings
            -o ${gen_dir} ${sources}
    DEPENDS ${sources} flatbuffers::flatc
    COMMENT "Generating user schema code for ${target}"
    VERBATIM)
  add_custom_target(${target}_generate DEPENDS ${outputs})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_generate)
  target_include_directories(${target} INTERFACE ${gen_dir})
  target_link_libraries(${target} INTERFACE flatbuffers::flatbuffers)
endfunction()
