// Submits one application through the gateway as the province portal, then reads its status:
// a secured client of the suite (mutual TLS + token + deadline) in TypeScript (Node.js, grpc-js).
//
//   eval "$(deploy/local/credentials.sh)"   # certificate, key, CA, token, gateway address
//   examples/clients/node/run.sh            # installs the pinned packages, compiles and runs this file
//
// Reads UE_CLIENT_CA, UE_CLIENT_CERT, UE_CLIENT_KEY, UE_CLIENT_TOKEN and UE_GATEWAY. The stubs are
// built at run time from proto/ by @grpc/proto-loader (no generated code).
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { readFileSync } from "fs";
import * as path from "path";

// What this example reads of the gateway's ApplicationStatus (field names as in the .proto).
interface ApplicationStatus {
  application_id: string;
  office_region_code: string;
  due_date: string;
  state: string;
}
interface ApplicationReply {
  application: ApplicationStatus;
}
type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply: ApplicationReply) => void,
) => void;
interface GatewayClient extends grpc.Client {
  SubmitApplication: Unary;
  GetApplicationStatus: Unary;
}

const repo = path.resolve(__dirname, "..", "..", "..", "..");
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: eval "$(deploy/local/credentials.sh)"`);
  return value;
};

// A GB 11643 ID number with its ISO 7064 MOD 11-2 check character.
function residentId(region: string, birth: string, serial: number): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = `${region}${birth}${String(serial).padStart(3, "0")}`;
  const sum = weights.reduce((total, w, i) => total + Number(body[i]) * w, 0);
  return body + "10X98765432"[sum % 11];
}

function call(client: GatewayClient, method: "SubmitApplication" | "GetApplicationStatus",
              request: object): Promise<ApplicationStatus> {
  // Every call carries the token and a deadline (a call without one is refused).
  const metadata = new grpc.Metadata();
  metadata.add("authorization", `Bearer ${env("UE_CLIENT_TOKEN")}`);
  const options: grpc.CallOptions = { deadline: Date.now() + 10_000 };
  return new Promise((resolve, reject) =>
    client[method](request, metadata, options, (error, reply) =>
      error ? reject(error) : resolve(reply.application)));
}

async function main(): Promise<void> {
  const definition = protoLoader.loadSync("unemployment/gateway/v1/gateway_service.proto", {
    includeDirs: [path.join(repo, "proto")],
    keepCase: true, // field names as in the .proto (and in form.json)
    enums: String,
    longs: String,
    defaults: false,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const GatewayService: grpc.ServiceClientConstructor = loaded.unemployment.gateway.v1.GatewayService;
  // Mutual TLS: the CA that signed the servers' certificates, and this system's certificate.
  const credentials = grpc.credentials.createSsl(readFileSync(env("UE_CLIENT_CA")),
    readFileSync(env("UE_CLIENT_KEY")), readFileSync(env("UE_CLIENT_CERT")));
  const client = new GatewayService(env("UE_GATEWAY"), credentials) as unknown as GatewayClient;

  const form = JSON.parse(readFileSync(path.join(repo, "examples", "clients", "form.json"), "utf8"));
  const pad = (n: number) => String(n).padStart(2, "0");
  const birth = `1982${pad(1 + Math.floor(Math.random() * 12))}${pad(1 + Math.floor(Math.random() * 28))}`;
  // An odd serial: a man, as the form says.
  form.person_id.id_number = residentId("340524", birth, 2 * Math.floor(Math.random() * 500) + 1);
  const portalId = `230102JS${Date.now()}`;

  try {
    const submitted = await call(client, "SubmitApplication", { portal_application_id: portalId, form });
    const status = await call(client, "GetApplicationStatus", { channel_application_id: portalId });
    console.log(`node: submitted ${portalId} as application ${submitted.application_id}, ` +
                `office ${submitted.office_region_code}, due ${submitted.due_date}`);
    console.log(`node: status ${status.state}`);
    if (status.application_id !== submitted.application_id) process.exitCode = 1;
  } catch (error) {
    const e = error as grpc.ServiceError;
    console.error(`node: ${grpc.status[e.code] ?? e.code}: ${e.details ?? e.message}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

main().catch((error) => {
  console.error(`node: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
