#include "tls_files.hpp"

#include "net/tls.hpp"

#include <filesystem>
#include <system_error>

namespace quire::config {

void check_tls_files(TableReader& table, const std::string& cert, const std::string& key) {
    bool present = !cert.empty() && !key.empty();
    for (const auto* file : {&cert, &key}) {
        std::error_code ec;
        if (!file->empty() && !std::filesystem::is_regular_file(*file, ec)) {
            const bool folder = std::filesystem::is_directory(*file, ec);
            table.error(file == &cert ? "cert" : "key",
                        (folder ? "a folder, not a PEM file: " : "no such file: ") + *file);
            present = false;
        }
    }
    if (!present) {
        return;
    }
    if (auto usable = net::check_key_pair(cert, key); !usable) {
        const bool cert_at_fault = usable.error().file == net::KeyPairError::File::cert;
        table.error(cert_at_fault ? "cert" : "key", usable.error().message);
    }
}

} // namespace quire::config
