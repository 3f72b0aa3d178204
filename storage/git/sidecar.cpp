#include "sidecar.hpp"

#include <charconv>

namespace quire::storage::git {

std::string encode_props(const std::vector<Property>& props) {
    std::string out;
    for (auto& p : props) {
        out += std::to_string(p.name.ns.size()) + ' ' + std::to_string(p.name.name.size()) + ' ' +
               std::to_string(p.value.size()) + '\n';
        out += p.name.ns;
        out += p.name.name;
        out += p.value;
        out += '\n';
    }
    return out;
}

Result<std::vector<Property>> decode_props(std::string_view data) {
    std::vector<Property> out;
    std::size_t pos = 0;
    auto number = [&](char end) -> std::optional<std::size_t> {
        std::size_t value = 0;
        auto [ptr, ec] = std::from_chars(data.data() + pos, data.data() + data.size(), value);
        if (ec != std::errc() || ptr == data.data() + data.size() || *ptr != end)
            return std::nullopt;
        pos = static_cast<std::size_t>(ptr - data.data()) + 1;
        return value;
    };
    while (pos < data.size()) {
        auto ns = number(' ');
        auto name = ns ? number(' ') : std::nullopt;
        auto value = name ? number('\n') : std::nullopt;
        if (!value || *ns + *name + *value + 1 > data.size() - pos)
            return fail(Errc::io, "corrupt properties sidecar");
        Property p;
        p.name.ns = data.substr(pos, *ns);
        p.name.name = data.substr(pos + *ns, *name);
        p.value = data.substr(pos + *ns + *name, *value);
        pos += *ns + *name + *value + 1;
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace quire::storage::git
