// gateway_server: wiring only; see gateway_component.cc.
#include "common/server/service_main.h"
#include "services/gateway/gateway_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::gateway::Definition());
}
