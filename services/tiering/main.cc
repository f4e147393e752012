// tiering_server: wiring only; see tiering_component.cc.
#include "common/server/service_main.h"
#include "services/tiering/tiering_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::tiering::Definition());
}
