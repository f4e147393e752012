// person_index_server: wiring only; see person_index_component.cc.
#include "common/server/service_main.h"
#include "services/person_index/person_index_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv, unemployment::person_index::Definition());
}
