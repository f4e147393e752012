// notification_receiver_server: the reference (development) notification receiver; wiring only,
// see notification_receiver_component.cc.
#include "common/server/service_main.h"
#include "services/notification_receiver/notification_receiver_component.h"

int main(int argc, char** argv) {
  return unemployment::server::RunServiceMain(argc, argv,
                                              unemployment::notification_receiver::Definition());
}
