#include "credentials.hpp"

#include <cstdio>
#include <sys/wait.h>

#include <openssl/evp.h>

namespace quire::test {

tl::expected<std::string, std::string> run_tool(const std::string& command) {
    FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
    if (!p) {
        return tl::unexpected("cannot run: " + command);
    }
    std::string out;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        out.append(buf, n);
    }
    const int st = ::pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        return tl::unexpected("'" + command +
                              "' failed; install apache2-utils and openssl (see .ci/packages)");
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

tl::expected<std::string, std::string>
htpasswd_line(const std::string& flags, const std::string& user, const std::string& password) {
    return run_tool("htpasswd -n -b " + flags + " " + user + " " + password);
}

tl::expected<std::string, std::string>
openssl_line(const std::string& flag, const std::string& user, const std::string& password) {
    auto hash = run_tool("openssl passwd " + flag + " " + password);
    if (!hash) {
        return hash;
    }
    return user + ":" + *hash;
}

std::string base64(const std::string& text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                    reinterpret_cast<const unsigned char*>(text.data()),
                                    static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string basic(const std::string& user, const std::string& password) {
    return "Authorization: Basic " + base64(user + ":" + password) + "\r\n";
}

} // namespace quire::test
