// registration_server: wiring only; see registration_component.cc.
#include "common/server/service_main.h"
#include "services/registration/registration_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::registration::Definition());
}
