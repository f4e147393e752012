// ministry_receiver_server: wiring only; see ministry_receiver_component.cc.
#include "common/server/service_main.h"
#include "services/ministry_receiver/ministry_receiver_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv,
                                              unemployment::ministry_receiver::Definition());
}
