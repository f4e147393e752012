// Submits one application through the gateway as the province portal, then reads its status:
// a secured client of the suite (mutual TLS + token + deadline) in Go.
//
//	eval "$(deploy/local/credentials.sh)"   # certificate, key, CA, token, gateway address
//	examples/clients/go/run.sh              # generates the stubs, builds and runs this file
//
// Reads UE_CLIENT_CA, UE_CLIENT_CERT, UE_CLIENT_KEY, UE_CLIENT_TOKEN and UE_GATEWAY.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // so that error details print by name
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	commonv1 "unemployment.hrss.gov.cn/api/gen/go/unemployment/common/v1"
	gatewayv1 "unemployment.hrss.gov.cn/api/gen/go/unemployment/gateway/v1"
)

// residentID is a GB 11643 ID number with its ISO 7064 MOD 11-2 check character.
func residentID(region, birth string, serial int) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	body := fmt.Sprintf("%s%s%03d", region, birth, serial)
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	// Mutual TLS: the CA that signed the servers' certificates, and this system's certificate.
	pair, err := tls.LoadX509KeyPair(os.Getenv("UE_CLIENT_CERT"), os.Getenv("UE_CLIENT_KEY"))
	if err != nil {
		fail("client certificate: %v", err)
	}
	caPEM, err := os.ReadFile(os.Getenv("UE_CLIENT_CA"))
	if err != nil {
		fail("CA: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots}
	conn, err := grpc.Dial(os.Getenv("UE_GATEWAY"), grpc.WithTransportCredentials(credentials.NewTLS(tlsConfig)))
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	gateway := gatewayv1.NewGatewayServiceClient(conn)

	// The registration form of the example (services' JSON names or proto names both parse).
	_, self, _, _ := runtime.Caller(0)
	formJSON, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "form.json"))
	if err != nil {
		fail("form: %v", err)
	}
	form := &commonv1.RegistrationForm{}
	if err := protojson.Unmarshal(formJSON, form); err != nil {
		fail("form: %v", err)
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	form.PersonId.IdNumber = residentID("340524", fmt.Sprintf("1981%02d%02d", rng.Intn(12)+1, rng.Intn(28)+1), 2*rng.Intn(500)+1) // odd: male, as the form says
	portalID := fmt.Sprintf("230102GO%d", time.Now().UnixNano()/1000000)

	// Every call carries the token and a deadline (a call without one is refused).
	call := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+os.Getenv("UE_CLIENT_TOKEN")), cancel
	}
	ctx, cancel := call()
	defer cancel()
	submitted, err := gateway.SubmitApplication(ctx, &gatewayv1.SubmitApplicationRequest{
		PortalApplicationId: portalID, Form: form})
	if err != nil {
		st := status.Convert(err)
		fail("SubmitApplication: %s: %s %v", st.Code(), st.Message(), st.Details())
	}
	ctx2, cancel2 := call()
	defer cancel2()
	got, err := gateway.GetApplicationStatus(ctx2, &gatewayv1.GetApplicationStatusRequest{
		ChannelApplicationId: portalID})
	if err != nil {
		st := status.Convert(err)
		fail("GetApplicationStatus: %s: %s %v", st.Code(), st.Message(), st.Details())
	}
	app := submitted.GetApplication()
	fmt.Printf("go: submitted %s as application %s, office %s, due %s\n", portalID,
		app.GetApplicationId(), app.GetOfficeRegionCode(), app.GetDueDate())
	fmt.Printf("go: status %s\n", got.GetApplication().GetState())
	if got.GetApplication().GetApplicationId() != app.GetApplicationId() {
		os.Exit(1)
	}
}
