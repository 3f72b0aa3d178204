#include "loader.hpp"

#include "handlers/auth/auth_config.hpp"
#include "handlers/auth/basic_auth_handler.hpp"
#include "handlers/registry.hpp"
#include "handlers/static/static_handler.hpp"
#include "handlers/webdav/webdav_config.hpp"
#include "http/path.hpp"
#include "listener_clash.hpp"
#include "read_file.hpp"
#include "table_reader.hpp"
#include "tls_files.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <filesystem>
#include <set>

namespace quire::config {

namespace {

namespace fs = std::filesystem;

void read_timeouts(TableReader& t, Timeouts& out) {
    auto secs = [&](std::string_view key, std::chrono::seconds& field) {
        if (auto v = t.integer(key, 1, 24 * 3600)) {
            field = std::chrono::seconds(*v);
        }
    };
    secs("head", out.head);
    secs("body_idle", out.body_idle);
    secs("keepalive", out.keepalive);
    secs("write", out.write);
    secs("tls_handshake", out.tls_handshake);
    secs("grace", out.grace);
    t.finish();
}

void read_limits(TableReader& t, Limits& out) {
    if (auto v = t.size("max_target")) {
        out.max_target = *v;
    }
    if (auto v = t.size("max_head")) {
        out.max_head = *v;
    }
    if (auto v = t.integer("max_fields", 1, 10000)) {
        out.max_fields = static_cast<std::size_t>(*v);
    }
    if (auto v = t.size("max_body")) {
        out.max_body = *v;
    }
    if (auto v = t.integer("max_connections", 1, 10'000'000)) {
        out.max_connections = static_cast<std::size_t>(*v);
    }
    t.finish();
}

void read_server(TableReader& t, Config& c) {
    if (auto v = t.integer("workers", 0, 1024)) {
        c.workers = static_cast<unsigned>(*v);
    }
    if (auto v = t.integer("blocking_threads", 1, 256)) {
        c.blocking_threads = static_cast<unsigned>(*v);
    }
    if (const auto* tt = t.table("timeouts")) {
        TableReader r(*tt, t.diagnostics(), t.base_dir(), "[server.timeouts]");
        read_timeouts(r, c.timeouts);
    }
    if (const auto* tt = t.table("limits")) {
        TableReader r(*tt, t.diagnostics(), t.base_dir(), "[server.limits]");
        read_limits(r, c.limits);
    }
    t.finish();
}

void read_logging(TableReader& t, Logging& out) {
    auto log_path = [&](std::string_view key) -> std::optional<std::string> {
        auto s = t.string(key);
        if (!s || *s == "off" || *s == "-") {
            return s;
        }
        return t.path(key);
    };
    if (auto v = log_path("access")) {
        out.access = *v;
    }
    if (auto v = log_path("error")) {
        if (*v == "off") {
            t.error("error", "the error log cannot be off; use \"-\" for standard error");
        } else {
            out.error = *v;
        }
    }
    if (auto v = t.string("level")) {
        static const std::set<std::string> levels = {"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};
        if (!levels.contains(*v)) {
            t.error("level", "must be one of trace, debug, info, warn, error, critical, off");
        } else {
            out.level = *v;
        }
    }
    t.finish();
}

// Returns whether the listener has an address of its own (not the default after an error).
bool read_listener(TableReader& t, Config& c) {
    Listener l;
    bool addressed = false;
    // Errors at listen time (address in use...) name the address line (or the table).
    l.where = t.diagnostics().file() + ":" + std::to_string(t.line_of("address")) + ": ";
    auto address = t.string("address");
    if (!address) {
        t.error_here("a listener needs address = \"HOST:PORT\"");
    } else if (auto parsed = parse_listen_address(*address); !parsed) {
        t.error("address", parsed.error());
    } else {
        l.host = parsed->first;
        l.port = parsed->second;
        addressed = true;
    }
    l.tls = t.boolean("tls").value_or(false);
    l.cert = t.path("cert").value_or("");
    l.key = t.path("key").value_or("");
    if (l.tls && (l.cert.empty() || l.key.empty())) {
        t.error_here("a TLS listener needs cert and key");
    }
    // A forgotten tls = true would serve plain HTTP where the user meant HTTPS.
    if (!l.tls && (!l.cert.empty() || !l.key.empty())) {
        t.error(l.cert.empty() ? "key" : "cert",
                "cert and key are used only with tls = true on this listener");
    }
    check_tls_files(t, l.cert, l.key);
    if (auto lowat = t.size("tcp_notsent_lowat")) {
        constexpr std::uint64_t max_lowat = 1u << 30;
        if (*lowat > max_lowat) {
            t.error("tcp_notsent_lowat", "must be at most 1G");
        } else {
            l.tcp_notsent_lowat = static_cast<std::uint32_t>(*lowat);
        }
    }
    if (auto defer = t.integer("tcp_defer_accept", 0, 3600)) {
        l.tcp_defer_accept = static_cast<std::uint32_t>(*defer);
    }
    t.finish();
    c.listeners.push_back(std::move(l));
    return addressed;
}

// Two listeners on one socket would pass the check and stop `run` ("address in use"): the
// second is named here, on its address line.
void read_listeners(TableReader& top, const toml::array& listeners, Config& c) {
    struct Addressed {
        std::size_t index;
        long line;
    };
    std::vector<Addressed> earlier;
    for (const auto& node : listeners) {
        const auto* t = node.as_table();
        if (!t) {
            top.diagnostics().error(static_cast<long>(node.source().begin.line),
                                    "listen must be a table ([[listen]])");
            continue;
        }
        TableReader r(*t, top.diagnostics(), top.base_dir(), "[[listen]]");
        if (!read_listener(r, c)) {
            continue;
        }
        const Listener& l = c.listeners.back();
        for (const auto& e : earlier) {
            const Listener& first = c.listeners[e.index];
            if (listeners_clash(first, l)) {
                const auto text = listen_address_text(l);
                const auto first_text = listen_address_text(first);
                r.error("address", (text == first_text ? text + " is"
                                                       : text + " overlaps " + first_text + ",") +
                                       " already listened on at line " + std::to_string(e.line));
                break;
            }
        }
        earlier.push_back({c.listeners.size() - 1, r.line_of("address")});
    }
}

core::ErrorPages read_error_pages(TableReader& owner) {
    core::ErrorPages pages;
    const auto* table = owner.table("error_pages");
    if (!table) {
        return pages;
    }
    for (const auto& [key, node] : *table) {
        const long line = static_cast<long>(node.source().begin.line);
        int status = 0;
        auto k = key.str();
        auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), status);
        if (ec != std::errc() || end != k.data() + k.size() || status < 400 || status > 599) {
            owner.diagnostics().error(line, "error_pages: '" + std::string(k) +
                                                "' is not an error status (400-599)");
            continue;
        }
        core::ErrorPage page;
        if (auto file = node.value<std::string>()) {
            fs::path p(*file);
            if (p.is_relative()) {
                p = owner.base_dir() / p;
            }
            auto body = read_file(p);
            if (!body) {
                owner.diagnostics().error(line, "error_pages: cannot read " + p.string() + ": " +
                                                    body.error());
                continue;
            }
            page.body = std::move(*body);
        } else if (const auto* t = node.as_table()) {
            TableReader r(*t, owner.diagnostics(), owner.base_dir(),
                          "error_pages." + std::string(k));
            auto text = r.string("text");
            if (!text) {
                r.error_here("needs text = \"...\" (or give a file name instead of a table)");
            }
            page.body = text.value_or("");
            page.content_type = r.string("type").value_or("text/plain; charset=utf-8");
            r.finish();
        } else {
            owner.diagnostics().error(line, "error_pages: give a file name or { text = \"...\" }");
            continue;
        }
        pages[status] = std::move(page);
    }
    return pages;
}

std::optional<core::Mount> read_mount(TableReader& t) {
    core::Mount m;
    auto path = t.string("path");
    auto handler = t.string("handler");
    if (!path) {
        t.error_here("a mount needs path = \"/...\"");
    } else if (auto normal = http::normalize_path(*path); !normal) {
        t.error("path", "not a valid path: " + normal.error().reason);
        path.reset();
    } else {
        m.prefix = *normal;
        while (m.prefix.size() > 1 && m.prefix.back() == '/') {
            m.prefix.pop_back();
        }
    }
    m.error_pages = read_error_pages(t);
    // Without a known handler the mount's other keys cannot be told apart from misspelt ones:
    // they are not reported as unknown.
    if (!handler) {
        t.error_here("a mount needs handler = \"...\" (one of: " + handlers::handler_names() + ")");
        return std::nullopt;
    }
    auto factory = handlers::find_factory(*handler);
    if (!factory) {
        t.error("handler",
                "unknown handler '" + *handler + "' (known: " + handlers::handler_names() + ")");
        return std::nullopt;
    }
    // Authentication and access come first in the mount's list (they answer next on success).
    auto auth = handlers::auth_handler_from_config(t);
    auto h = factory(t);
    t.finish();
    if (!h || !path) {
        return std::nullopt;
    }
    if (auth) {
        m.handlers.push_back(std::move(auth));
    }
    m.handlers.push_back(std::move(h));
    return m;
}

// `context` names the tables in messages: "[[mount]]" at the top, "[[vhost.mount]]" in a host.
void read_mounts(TableReader& owner, const toml::array& mounts, core::VirtualHost& vh,
                 const std::string& context) {
    std::set<std::string> prefixes;
    for (const auto& node : mounts) {
        const auto* t = node.as_table();
        if (!t) {
            owner.diagnostics().error(static_cast<long>(node.source().begin.line),
                                      "mount must be a table (" + context + ")");
            continue;
        }
        TableReader r(*t, owner.diagnostics(), owner.base_dir(), context);
        if (auto m = read_mount(r)) {
            if (!prefixes.insert(m->prefix).second) {
                r.error("path", "another mount of this host has the same path");
                continue;
            }
            vh.mounts.push_back(std::move(*m));
        }
    }
}

void read_vhost(TableReader& t, std::vector<core::VirtualHost>& hosts) {
    core::VirtualHost vh;
    if (auto names = t.strings("names")) {
        for (auto n : *names) {
            for (auto& ch : n) {
                ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            }
            // Host names are compared without case: a name two hosts give would only ever
            // reach the first, and the second's mounts for it never.
            for (const auto& other : hosts) {
                if (std::find(other.names.begin(), other.names.end(), n) != other.names.end()) {
                    t.error("names", "'" + n + "' is a name of an earlier [[vhost]] already");
                }
            }
            vh.names.push_back(std::move(n));
        }
    }
    vh.tls_cert = t.path("cert").value_or("");
    vh.tls_key = t.path("key").value_or("");
    if (vh.tls_cert.empty() != vh.tls_key.empty()) {
        t.error_here("give both cert and key, or neither");
    }
    check_tls_files(t, vh.tls_cert, vh.tls_key);
    vh.error_pages = read_error_pages(t);
    if (const auto* mounts = t.array("mount")) {
        read_mounts(t, *mounts, vh, "[[vhost.mount]]");
    }
    if (vh.mounts.empty()) {
        t.error_here("a virtual host needs at least one [[vhost.mount]]");
    }
    t.finish();
    hosts.push_back(std::move(vh));
}

} // namespace

tl::expected<std::pair<std::string, std::uint16_t>, std::string>
parse_listen_address(std::string_view text) {
    std::string host = "127.0.0.1";
    std::string_view port_text;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return tl::unexpected(std::string("expected [IPv6]:PORT"));
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return tl::unexpected(std::string("expected HOST:PORT"));
        }
        if (colon > 0) {
            host = std::string(text.substr(0, colon));
        }
        port_text = text.substr(colon + 1);
    }
    // The host is an IP address (or a wildcard, or localhost): no name is looked up, and a
    // mistyped one is an error here, not first when the server binds.
    unsigned char bytes[sizeof(in6_addr)];
    if (host != "*" && host != "localhost" && ::inet_pton(AF_INET, host.c_str(), bytes) != 1 &&
        ::inet_pton(AF_INET6, host.c_str(), bytes) != 1) {
        return tl::unexpected("not an IP address: '" + host + "'");
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return tl::unexpected("not a port number: '" + std::string(port_text) + "'");
    }
    return std::pair{host, static_cast<std::uint16_t>(port)};
}

LoadResult load_config_text(std::string_view text, const std::string& name,
                            const std::string& base_dir, Purpose purpose) {
    Diagnostics diag(name, purpose == Purpose::check);
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        diag.error(static_cast<long>(e.source().begin.line), std::string(e.description()));
        return tl::unexpected(diag.messages());
    }
    auto config = std::make_shared<Config>();
    TableReader top(root, diag, base_dir, "top level");
    if (const auto* t = top.table("server")) {
        TableReader r(*t, diag, base_dir, "[server]");
        read_server(r, *config);
    }
    if (const auto* t = top.table("log")) {
        TableReader r(*t, diag, base_dir, "[log]");
        read_logging(r, config->logging);
    }
    if (const auto* listeners = top.array("listen")) {
        read_listeners(top, *listeners, *config);
    }
    std::vector<core::VirtualHost> hosts;
    if (const auto* mounts = top.array("mount")) {
        core::VirtualHost vh; // top-level mounts form the default host
        read_mounts(top, *mounts, vh, "[[mount]]");
        hosts.push_back(std::move(vh));
    }
    if (const auto* vhosts = top.array("vhost")) {
        for (const auto& node : *vhosts) {
            if (const auto* t = node.as_table()) {
                TableReader r(*t, diag, base_dir, "[[vhost]]");
                read_vhost(r, hosts);
            } else {
                diag.error(static_cast<long>(node.source().begin.line),
                           "vhost must be a table ([[vhost]])");
            }
        }
    }
    top.finish();
    if (hosts.empty() && diag.ok()) {
        diag.error(1, "nothing to serve: add a [[mount]] or a [[vhost]] with mounts");
    }
    if (config->listeners.empty()) {
        config->listeners.push_back(Listener{});
    }
    if (!diag.ok()) {
        return tl::unexpected(diag.messages());
    }
    config->router = std::make_shared<core::Router>(std::move(hosts));
    return std::shared_ptr<const Config>(std::move(config));
}

LoadResult load_config_file(const std::string& path, Purpose purpose) {
    auto text = read_file(path);
    if (!text) {
        return tl::unexpected(std::vector<std::string>{path + ": cannot be read: " + text.error()});
    }
    auto base = fs::absolute(fs::path(path)).parent_path().string();
    return load_config_text(*text, path, base, purpose);
}

LoadResult quick_config(const QuickOptions& options) {
    auto config = std::make_shared<Config>();
    config->workers = options.workers;
    config->logging.access = options.access_log;
    auto listen = parse_listen_address(options.listen);
    if (!listen) {
        return tl::unexpected(std::vector<std::string>{"--listen: " + listen.error()});
    }
    Listener l;
    l.host = listen->first;
    l.port = listen->second;
    config->listeners.push_back(l);
    const auto dir = fs::absolute(options.dir).lexically_normal().string();
    tl::expected<std::shared_ptr<core::Handler>, std::string> handler;
    std::vector<std::shared_ptr<core::Handler>> before; // the authentication phase, if any
    if (options.read_only && !options.webdav) {
        return tl::unexpected(std::vector<std::string>{"--read-only needs --webdav"});
    }
    if (options.webdav) {
        handlers::WebdavSettings ws;
        ws.store = options.store.empty() || options.store == "fs" ? "fs:" + dir : options.store;
        ws.read_only = options.read_only;
        if (options.read_only) {
            // As a [[mount]] with read_only = true and no htpasswd: anonymous, reads only.
            handlers::AuthOptions ao;
            ao.read_only = true;
            auto auth = handlers::BasicAuthHandler::create(std::move(ao));
            if (!auth) {
                return tl::unexpected(std::vector<std::string>{auth.error()});
            }
            before.push_back(std::move(*auth));
        }
        auto dav = handlers::make_webdav_handler(std::move(ws), fs::current_path());
        if (!dav) {
            return tl::unexpected(std::vector<std::string>{dav.error().message});
        }
        handler = std::move(*dav);
    } else if (!options.store.empty()) {
        return tl::unexpected(std::vector<std::string>{"--store needs --webdav"});
    } else {
        handlers::StaticOptions so;
        so.root = dir;
        handler = handlers::StaticHandler::create(so);
    }
    if (!handler) {
        return tl::unexpected(std::vector<std::string>{handler.error()});
    }
    core::VirtualHost vh;
    before.push_back(std::move(*handler));
    vh.mounts.push_back(core::Mount{"/", std::move(before), {}});
    std::vector<core::VirtualHost> hosts;
    hosts.push_back(std::move(vh));
    config->router = std::make_shared<core::Router>(std::move(hosts));
    return std::shared_ptr<const Config>(std::move(config));
}

} // namespace quire::config
