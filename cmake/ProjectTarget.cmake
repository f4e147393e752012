# Warning flags for code written in this project (generated code is compiled without them).
function(ue_project_warnings target)
  # -Wshadow=local is GCC's spelling; clang (the fuzz build) has no such level.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                              -Wnon-virtual-dtor)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
  endif()
  if(UE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# ue_library(NAME name ALIAS ns::name SOURCES ... DEPS ...)
# A static library of project code with the project's warnings and the repository root on the include path.
function(ue_library)
  cmake_parse_arguments(ARG "" "NAME;ALIAS" "SOURCES;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(${ARG_ALIAS} ALIAS ${ARG_NAME})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
  ue_project_warnings(${ARG_NAME})
endfunction()

# ue_test(NAME name SOURCES ... DEPS ... [LABELS ...])
# A Catch2 test executable registered with CTest. Each test binary is one CTest test so that the
# Catch2 main is shared; use tags inside the binary to select cases.
function(ue_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ue_catch_main ${ARG_DEPS})
  target_compile_definitions(${ARG_NAME} PRIVATE UE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                                 UE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  ue_project_warnings(${ARG_NAME})
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(ARG_LABELS)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
