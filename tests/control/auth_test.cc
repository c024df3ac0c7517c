// Security of the control plane: bearer tokens with roles, TLS, and mutual TLS
// with a test CA generated here with the openssl command.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pushgw/control/v1/control.grpc.pb.h"
#include "tests/control/control_harness.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using ::testing::HasSubstr;

core::ServerConfig WithTokens(core::ServerConfig config) {
  config.control.tokens = {
      {"backend", core::ControlRole::kPublisher, "pub-secret"},
      {"ops", core::ControlRole::kAdmin, "admin-secret"},
  };
  return config;
}

v1::PublishRequest SimplePublish() {
  v1::PublishRequest request;
  request.add_channels("secure");
  request.set_data("x");
  return request;
}

grpc::Status PublishWith(v1::Control::Stub& stub, const std::string& authorization) {
  grpc::ClientContext context;
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  v1::PublishResponse response;
  return stub.Publish(&context, SimplePublish(), &response);
}

TEST(TokenAuthTest, CallsNeedAValidTokenWithTheRightRole) {
  ControlTestServer server(WithTokens(LayoutConfig()));
  EXPECT_TRUE(server.control().authentication());
  auto stub = server.Stub();

  grpc::Status status = PublishWith(*stub, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "missing credentials: send the metadata \"authorization: Bearer <token>\"");
  status = PublishWith(*stub, "Bearer wrong");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "invalid token");
  status = PublishWith(*stub, "Basic cHViLXNlY3JldA==");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(server.store().FindChannel("secure"));

  EXPECT_TRUE(PublishWith(*stub, "Bearer pub-secret").ok());
  EXPECT_TRUE(PublishWith(*stub, "bearer admin-secret").ok());  // scheme is case-insensitive

  v1::DeleteChannelsRequest del;
  del.add_channels("secure");
  v1::DeleteChannelsResponse deleted;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer pub-secret");
    status = stub->DeleteChannels(&context, del, &deleted);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(),
              "token \"backend\" has the role publisher; this call needs admin");
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer admin-secret");
    EXPECT_TRUE(stub->DeleteChannels(&context, del, &deleted).ok());
  }

  // Streams are refused before they start.
  {
    grpc::ClientContext context;
    v1::SubscribeRequest request;
    request.add_channels()->set_id("secure");
    auto reader = stub->Subscribe(&context, request);
    v1::SubscribeResponse response;
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_FALSE(server.store().FindChannel("secure"));  // nothing was created
  }
  {
    grpc::ClientContext context;
    auto reader = stub->WatchEvents(&context, v1::WatchEventsRequest());
    v1::WatchEventsResponse response;
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    auto stream = stub->PublishStream(&context);
    v1::PublishStreamRequest request;
    *request.mutable_publish() = SimplePublish();
    stream->Write(request);
    stream->WritesDone();
    v1::PublishStreamResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer pub-secret");
    v1::SubscribeRequest request;
    request.add_channels()->set_id("secure");
    auto reader = stub->Subscribe(&context, request);
    v1::SubscribeResponse response;
    EXPECT_TRUE(reader->Read(&response));
    EXPECT_TRUE(response.has_subscribed());
    context.TryCancel();
    reader->Finish();
  }

  // Health checks need no token (load balancers, orchestrators).
  auto health = grpc::health::v1::Health::NewStub(server.Channel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(&context, grpc::health::v1::HealthCheckRequest(), &response).ok());
}

TEST(TokenAuthTest, IdempotencyKeysAreScopedToTheToken) {
  core::ServerConfig config = WithTokens(LayoutConfig());
  config.control.tokens.push_back({"other", core::ControlRole::kPublisher, "other-secret"});
  ControlTestServer server(config);
  auto stub = server.Stub();
  v1::PublishRequest request = SimplePublish();
  request.set_idempotency_key("same-key");
  for (const char* token : {"pub-secret", "other-secret", "pub-secret"}) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::PublishResponse response;
    ASSERT_TRUE(stub->Publish(&context, request, &response).ok());
  }
  // Two tokens, two publishes; the third call was a retry.
  EXPECT_EQ(server.store().FindChannel("secure")->published_messages, 2);
}

// --- TLS ---------------------------------------------------------------------------

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A CA, a server certificate for localhost/127.0.0.1 and a client certificate,
// all signed by it, plus an unrelated CA; P-256 keys, valid one day.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir() + "/pki");
    const std::string script = absl::StrCat(R"(set -e
mkdir -p ")",
                                            *dir_, R"(" && cd ")", *dir_, R"("
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 1 -subj /CN=pushgw-test-ca
key other.key
openssl req -x509 -new -key other.key -out other-ca.pem -days 1 -subj /CN=other-ca
key server.key
openssl req -new -key server.key -out server.csr -subj /CN=localhost
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
  -days 1 -extfile server.ext 2>/dev/null
key client.key
openssl req -new -key client.key -out client.csr -subj /CN=backend
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
  -days 1 -extfile client.ext 2>/dev/null
)");
    ASSERT_EQ(std::system(script.c_str()), 0) << script;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string File(const std::string& name) { return absl::StrCat(*dir_, "/", name); }

  static core::ServerConfig TlsConfig(bool mutual) {
    core::ServerConfig config = LayoutConfig();
    config.control.tls_cert_file = File("server.pem");
    config.control.tls_key_file = File("server.key");
    if (mutual) config.control.tls_client_ca_file = File("ca.pem");
    return config;
  }

  // A TLS channel to `server` trusting `ca`, optionally with the client cert.
  static std::shared_ptr<grpc::Channel> TlsChannel(ControlTestServer& server, const std::string& ca,
                                                   bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(File(ca));
    if (client_cert) {
      ssl.pem_cert_chain = ReadAll(File("client.pem"));
      ssl.pem_private_key = ReadAll(File("client.key"));
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(server.target(), grpc::SslCredentials(ssl), args);
  }

  static grpc::Status Publish(std::shared_ptr<grpc::Channel> channel,
                              const std::string& token = "") {
    auto stub = v1::Control::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::PublishResponse response;
    return stub->Publish(&context, SimplePublish(), &response);
  }

  static std::string* dir_;
};

std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, ServerTls) {
  ControlTestServer server(TlsConfig(/*mutual=*/false));
  EXPECT_TRUE(server.control().tls());
  EXPECT_TRUE(Publish(TlsChannel(server, "ca.pem", false)).ok());
  // A plaintext client, or one that does not trust the server's CA, fails.
  grpc::Status status = Publish(server.Channel());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  status = Publish(TlsChannel(server, "other-ca.pem", false));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  ControlTestServer server(TlsConfig(/*mutual=*/true));
  EXPECT_TRUE(Publish(TlsChannel(server, "ca.pem", /*client_cert=*/true)).ok());
  grpc::Status status = Publish(TlsChannel(server, "ca.pem", /*client_cert=*/false));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, TlsAndTokensTogether) {
  ControlTestServer server(WithTokens(TlsConfig(/*mutual=*/false)));
  auto channel = TlsChannel(server, "ca.pem", false);
  EXPECT_EQ(Publish(channel).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Publish(channel, "pub-secret").ok());
}

TEST_F(TlsTest, UnreadableOrInvalidFilesFailTheStart) {
  core::ServerConfig config = TlsConfig(false);
  config.control.tls_key_file = File("missing.key");
  config.listen.grpc_listen = "127.0.0.1:0";
  core::Store store(config.store, core::RealClock::Get());
  control::ControlServer missing(config, store);
  absl::Status status = missing.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("missing.key"));

  config.control.tls_key_file = File("ca.pem");  // not a key
  control::ControlServer invalid(config, store);
  status = invalid.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("TLS files are invalid"));
}

}  // namespace
}  // namespace pushgw::testing
