// statistics_server: wiring only; see statistics_component.cc.
#include "common/server/service_main.h"
#include "services/statistics/statistics_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::statistics::Definition());
}
