// verification_server: wiring only; see verification_component.cc.
#include "common/server/service_main.h"
#include "services/verification/verification_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::verification::Definition());
}
