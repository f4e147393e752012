// followup_server: wiring only; see followup_component.cc.
#include "common/server/service_main.h"
#include "services/followup/followup_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::followup::Definition());
}
