# ue_proto_library(NAME name ALIAS ns::name ROOT dir PROTOS rel/a.proto ... [DEPS ...] [NO_GRPC])
# Generates C++ message code (and gRPC service code unless NO_GRPC) for one proto package into
# ${PROJECT_BINARY_DIR}/gen and wraps it in one static library. PROTOS are paths relative to ROOT,
# which is also their import root. Generated code never lands in the source tree.
set(UE_PROTO_GEN_DIR ${PROJECT_BINARY_DIR}/gen)
set(UE_PROTO_IMPORT_DIRS ${PROJECT_SOURCE_DIR}/proto)

function(ue_proto_library)
  cmake_parse_arguments(ARG "NO_GRPC" "NAME;ALIAS;ROOT" "PROTOS;DEPS" ${ARGN})
  file(MAKE_DIRECTORY ${UE_PROTO_GEN_DIR})
  set(include_flags -I ${ARG_ROOT})
  foreach(dir ${UE_PROTO_IMPORT_DIRS})
    if(NOT dir STREQUAL ARG_ROOT)
      list(APPEND include_flags -I ${dir})
    endif()
  endforeach()
  set(srcs)
  foreach(rel ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outs ${UE_PROTO_GEN_DIR}/${stem}.pb.h ${UE_PROTO_GEN_DIR}/${stem}.pb.cc)
    set(plugin_args)
    if(NOT ARG_NO_GRPC)
      list(APPEND outs ${UE_PROTO_GEN_DIR}/${stem}.grpc.pb.h ${UE_PROTO_GEN_DIR}/${stem}.grpc.pb.cc)
      set(plugin_args --grpc_out=${UE_PROTO_GEN_DIR}
                      --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc --cpp_out=${UE_PROTO_GEN_DIR} ${plugin_args} ${include_flags}
              ${ARG_ROOT}/${rel}
      DEPENDS ${ARG_ROOT}/${rel} protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(${ARG_NAME} STATIC ${srcs})
  add_library(${ARG_ALIAS} ALIAS ${ARG_NAME})
  # Generated headers are included as <unemployment/x/v1/y.pb.h>; SYSTEM keeps their warnings quiet.
  target_include_directories(${ARG_NAME} SYSTEM PUBLIC ${UE_PROTO_GEN_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()
