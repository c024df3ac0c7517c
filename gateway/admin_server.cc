#include "gateway/admin_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pushgw::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// One admin request/response exchange per read; keep-alive honoured.
class AdminSession : public std::enable_shared_from_this<AdminSession> {
 public:
  AdminSession(tcp::socket socket, const AdminServer::Handlers& handlers)
      : stream_(std::move(socket)), handlers_(handlers) {}

  void Start() { Read(); }

 private:
  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Handle();
                     });
  }

  void Handle() {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request_.version());
    response->keep_alive(request_.keep_alive());
    const std::string target(request_.target());
    const std::string path = target.substr(0, target.find('?'));
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response->result(http::status::method_not_allowed);
      response->set(http::field::allow, "GET, HEAD");
    } else if (path == "/metrics") {
      response->result(http::status::ok);
      response->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      // The operator dashboard (web/dashboard.html) reads it from the HTTP port's origin.
      response->set(http::field::access_control_allow_origin, "*");
      response->body() = handlers_.metrics ? handlers_.metrics() : std::string();
    } else if (path == "/healthz") {
      response->result(http::status::ok);
      response->set(http::field::content_type, "text/plain");
      response->body() = "ok\n";
    } else if (path == "/readyz") {
      const bool ready = handlers_.ready && handlers_.ready();
      response->result(ready ? http::status::ok : http::status::service_unavailable);
      response->set(http::field::content_type, "text/plain");
      response->body() = ready ? "ready\n" : "not ready\n";
    } else {
      response->result(http::status::not_found);
    }
    response->set(http::field::cache_control, "no-cache");
    response->prepare_payload();
    if (request_.method() == http::verb::head) response->body().clear();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, size_t) {
                        if (ec || !response->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const AdminServer::Handlers& handlers_;
};

}  // namespace

class AdminServer::Impl {
 public:
  Impl(std::string listen, Handlers handlers)
      : listen_(std::move(listen)), handlers_(std::move(handlers)) {}

  absl::Status Start() {
    const size_t colon = listen_.rfind(':');
    int port = 0;
    if (colon == std::string::npos || !absl::SimpleAtoi(listen_.substr(colon + 1), &port)) {
      return absl::InvalidArgumentError(absl::StrCat("admin_listen: bad address ", listen_));
    }
    std::string host = listen_.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    beast::error_code ec;
    auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("admin_listen: bad host ", host));
    tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", listen_, " (admin): ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) std::make_shared<AdminSession>(std::move(socket), handlers_)->Start();
      Accept();
    });
  }

  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
    thread_.join();
  }

  int port_ = 0;

 private:
  const std::string listen_;
  const Handlers handlers_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

AdminServer::AdminServer(std::string listen, Handlers handlers)
    : impl_(std::make_unique<Impl>(std::move(listen), std::move(handlers))) {}
AdminServer::~AdminServer() { Stop(); }
absl::Status AdminServer::Start() { return impl_->Start(); }
int AdminServer::port() const { return impl_->port_; }
void AdminServer::Stop() { impl_->Stop(); }

}  // namespace pushgw::gateway
