#include "test_certificates.hpp"

#include <cstdlib>
#include <stdexcept>

namespace quire::test {

void make_certificate(const TempDir& dir, const std::string& name) {
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name +
        " -addext subjectAltName=DNS:" + name + " -keyout " + (dir / (name + ".key")).string() +
        " -out " + (dir / (name + ".pem")).string() + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error("openssl could not make a certificate for " + name);
    }
}

} // namespace quire::test
