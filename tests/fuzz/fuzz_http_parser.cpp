// Fuzzes the request head parser and the chunked decoder over a stream of pipelined requests,
// checking invariants of what they accept.
#include "fuzz_check.hpp"

#include "http/chunked.hpp"
#include "http/conditional.hpp"
#include "http/parser.hpp"
#include "http/range.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

using namespace quire::http;

namespace {

bool is_error_status(int s) {
    switch (s) {
    case 400:
    case 413:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505:
        return true;
    default:
        return false;
    }
}

void check_head(const RequestHead& h) {
    FUZZ_CHECK(!h.method.empty());
    FUZZ_CHECK(h.version_minor == 0 || h.version_minor == 1);
    FUZZ_CHECK((!h.path.empty() && h.path.front() == '/') || h.path == "*");
    FUZZ_CHECK((h.path == "*") == (h.form == TargetForm::asterisk));
    FUZZ_CHECK(h.form != TargetForm::authority);
    FUZZ_CHECK(h.method != "CONNECT");
    for (char c : h.host)
        FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    FUZZ_CHECK(h.path.find('?') == std::string::npos);
    FUZZ_CHECK(h.path.find('#') == std::string::npos);
    for (const auto& f : h.headers.fields()) {
        FUZZ_CHECK(!f.name.empty());
        for (char c : f.name)
            FUZZ_CHECK(is_tchar(c));
        if (!f.value.empty()) {
            FUZZ_CHECK(f.value.front() != ' ' && f.value.front() != '\t');
            FUZZ_CHECK(f.value.back() != ' ' && f.value.back() != '\t');
        }
        for (char c : f.value)
            FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
    }
    if (h.framing == BodyFraming::chunked) {
        FUZZ_CHECK(!h.headers.has("Content-Length"));
        FUZZ_CHECK(h.version_minor == 1);
    }
    if (h.version_minor == 1)
        FUZZ_CHECK(h.headers.count("Host") == 1);
    if (h.expect_continue)
        FUZZ_CHECK(h.version_minor == 1);

    // Ranges found in the request (in the order asked for): inside the representation, and
    // disjoint and apart once sorted (overlapping or adjacent ones are coalesced).
    if (auto range = h.headers.get("Range")) {
        for (std::uint64_t size : {0ull, 1ull, 1000ull}) {
            RangeResult r = parse_range(*range, size);
            if (auto* v = std::get_if<std::vector<ByteRange>>(&r)) {
                FUZZ_CHECK(!v->empty() && v->size() <= 64);
                std::vector<ByteRange> sorted = *v;
                std::sort(sorted.begin(), sorted.end(),
                          [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
                for (std::size_t i = 0; i < sorted.size(); ++i) {
                    FUZZ_CHECK(sorted[i].first <= sorted[i].last && sorted[i].last < size);
                    if (i > 0)
                        FUZZ_CHECK(sorted[i - 1].last + 1 < sorted[i].first);
                }
            }
        }
    }
    // Preconditions never crash and 304 only happens for GET/HEAD.
    Validators v{true, "\"abc\"", 1000000000};
    Precondition p = evaluate_preconditions(h.method, h.headers, v);
    if (p == Precondition::not_modified)
        FUZZ_CHECK(h.method == "GET" || h.method == "HEAD");
    (void)if_range_allows(h.headers, v);
}

bool same_head(const RequestHead& a, const RequestHead& b) {
    if (a.headers.fields().size() != b.headers.fields().size())
        return false;
    for (std::size_t i = 0; i < a.headers.fields().size(); ++i)
        if (a.headers.fields()[i].name != b.headers.fields()[i].name ||
            a.headers.fields()[i].value != b.headers.fields()[i].value)
            return false;
    return a.method == b.method && a.target == b.target && a.form == b.form && a.path == b.path &&
           a.query == b.query && a.version_minor == b.version_minor && a.host == b.host &&
           a.framing == b.framing && a.content_length == b.content_length &&
           a.keep_alive == b.keep_alive && a.expect_continue == b.expect_continue &&
           a.may_have == b.may_have;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    ParseLimits limits;
    limits.max_target = 512;
    limits.max_head = 4096;
    limits.max_fields = 32;
    limits.max_body = 1 << 20;

    // Every head is also parsed into this one, as a connection does with its requests: the
    // outcome must be the same as into a fresh head, whatever the requests before left in it.
    RequestHead reused;
    for (int requests = 0; !in.empty() && requests < 16; ++requests) {
        auto end = find_head_end(in, limits);
        if (!end) {
            FUZZ_CHECK(end.error().status == 414 || end.error().status == 431);
            return 0;
        }
        if (!*end)
            return 0;
        std::size_t n = **end;
        FUZZ_CHECK(n > 0 && n <= in.size() && n <= limits.max_head);
        FUZZ_CHECK(in[n - 1] == '\n');
        auto head = parse_head(in.substr(0, n), limits);
        auto into = parse_head_into(in.substr(0, n), limits, reused);
        FUZZ_CHECK(bool(head) == bool(into));
        if (head) {
            FUZZ_CHECK(same_head(*head, reused));
        } else {
            FUZZ_CHECK(head.error().status == into.error().status);
        }
        in.remove_prefix(n);
        if (!head) {
            FUZZ_CHECK(is_error_status(head.error().status));
            FUZZ_CHECK(!head.error().reason.empty());
            return 0;
        }
        check_head(*head);

        if (head->framing == BodyFraming::content_length) {
            FUZZ_CHECK(head->content_length <= limits.max_body);
            if (head->content_length > in.size())
                return 0;
            in.remove_prefix(head->content_length);
        } else if (head->framing == BodyFraming::chunked) {
            ChunkedDecoder::Limits cl;
            cl.max_line = 256;
            cl.max_trailers = 1024;
            cl.max_body = 1 << 20;
            ChunkedDecoder whole(cl);
            std::string body;
            std::size_t used = whole.feed(in, body);
            FUZZ_CHECK(used <= in.size());
            FUZZ_CHECK(body.size() == whole.body_size());
            FUZZ_CHECK(body.size() <= cl.max_body);
            if (whole.state() == ChunkedDecoder::State::in_progress)
                FUZZ_CHECK(used == in.size());
            if (whole.state() == ChunkedDecoder::State::error)
                FUZZ_CHECK(whole.error_status() == 400 || whole.error_status() == 413);

            // The same bytes one at a time must give the same outcome.
            ChunkedDecoder bytewise(cl);
            std::string body2;
            std::size_t used2 = 0;
            for (std::size_t i = 0;
                 i < in.size() && bytewise.state() == ChunkedDecoder::State::in_progress; ++i) {
                std::size_t k = bytewise.feed(in.substr(i, 1), body2);
                FUZZ_CHECK(k <= 1);
                used2 += k;
            }
            FUZZ_CHECK(bytewise.state() == whole.state());
            FUZZ_CHECK(body2 == body);
            if (whole.state() != ChunkedDecoder::State::error) {
                FUZZ_CHECK(used2 == used);
                FUZZ_CHECK(bytewise.trailers().fields().size() == whole.trailers().fields().size());
            } else {
                FUZZ_CHECK(bytewise.error_status() == whole.error_status());
            }
            if (whole.state() != ChunkedDecoder::State::done)
                return 0;
            in.remove_prefix(used);
        }
        if (!head->keep_alive)
            return 0;
    }
    return 0;
}
