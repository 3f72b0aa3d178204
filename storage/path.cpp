#include "path.hpp"

namespace quire::storage {

namespace {

// True when `path` is its own normal form and passes every check of normalise(): the paths
// the DAV layer passes (already normalised by the server) then cost one scan and one copy.
bool already_normal(std::string_view path) {
    if (path.empty() || path.front() != '/')
        return false;
    if (path.size() == 1)
        return true;
    if (path.back() == '/')
        return false;
    for (std::size_t start = 1; start < path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view name = path.substr(start, end - start);
        if (name.empty() || name == "." || name == ".." || name.size() > max_name_bytes ||
            is_reserved_name(name) || name.find('\0') != std::string_view::npos)
            return false;
        start = end + 1;
    }
    return true;
}

} // namespace

Result<std::string> normalise(std::string_view path) {
    if (already_normal(path))
        return std::string(path);
    std::string out;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view name = path.substr(pos, end - pos);
        pos = end + 1;
        if (name.empty())
            continue;
        if (name == "." || name == "..")
            return fail(Errc::forbidden, "path segment '" + std::string(name) + "'");
        if (name.find('\0') != std::string_view::npos)
            return fail(Errc::forbidden, "NUL in path");
        if (name.size() > max_name_bytes)
            return fail(Errc::name_too_long, "name of " + std::to_string(name.size()) +
                                                 " bytes, the limit is " +
                                                 std::to_string(max_name_bytes));
        if (is_reserved_name(name))
            return fail(Errc::forbidden, "reserved name '" + std::string(name) + "'");
        out += '/';
        out += name;
    }
    if (out.empty())
        out.push_back('/');
    return out;
}

bool is_root(std::string_view path) {
    return path == "/";
}

std::string parent_of(std::string_view path) {
    std::size_t slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos)
        return "/";
    return std::string(path.substr(0, slash));
}

std::string_view name_of(std::string_view path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_within(std::string_view path, std::string_view ancestor) {
    if (is_root(ancestor))
        return true;
    if (path.size() < ancestor.size() || path.substr(0, ancestor.size()) != ancestor)
        return false;
    return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t pos = 1;
    while (pos < path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos)
            end = path.size();
        out.push_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string join(std::string_view collection, std::string_view name) {
    std::string out;
    out.reserve(collection.size() + 1 + name.size());
    out.append(collection);
    if (collection != "/")
        out.push_back('/');
    out.append(name);
    return out;
}

bool is_reserved_name(std::string_view name) {
    return name == ".quire" || name.starts_with(".quire-");
}

} // namespace quire::storage
