// OPTIONS, GET and HEAD (RFC 4918 sections 9.4, 10.1). Ranges and If-* conditions are the
// core's output filters' work: the response carries validators and a seekable body.
#include "context.hpp"
#include "dav/get_answers.hpp"
#include "dav/lock_check.hpp"
#include "dav/preconditions.hpp"
#include "dav/proto/xml.hpp"
#include "http/path.hpp"
#include "storage/path.hpp"

namespace quire::dav {

namespace {

// Bodies up to this size from backends without real files are read into memory, so that
// ranges apply; larger ones are streamed.
constexpr std::uint64_t max_memory_body = 16u << 20;
constexpr std::size_t stream_piece = 256u << 10;

// A body file handed to the core without dup(2): the core's descriptor aliases the one the
// storage body owns, and lets go of it before the body closes it.
struct BodyFile {
    BodyFile(std::unique_ptr<storage::Body> b, int descriptor)
        : body(std::move(b)), fd(descriptor) {}
    BodyFile(const BodyFile&) = delete;
    BodyFile& operator=(const BodyFile&) = delete;
    ~BodyFile() { (void)fd.release(); }

    std::unique_ptr<storage::Body> body;
    core::UniqueFd fd;
};

struct Fetched {
    std::optional<storage::Error> error;
    storage::Meta meta;
    std::vector<storage::Meta> members;        // a collection's listing (GET)
    std::shared_ptr<storage::Body> body;       // streamed
    std::shared_ptr<BodyFile> file;            // sent with sendfile
    std::string bytes;                         // the body, when read into memory
    std::shared_ptr<const std::string> cached; // the body, as the store keeps it in memory
    std::shared_ptr<storage::Body> unread;     // to read into `bytes` off the event loop
    std::optional<Denial> denial;
    std::chrono::steady_clock::time_point fresh_until; // see storage::Opened
};

// Reads a body of at most max_memory_body bytes into f.bytes.
void read_into(Fetched& f, storage::Body& body) {
    f.bytes.resize(body.length());
    std::size_t got = 0;
    while (got < f.bytes.size()) {
        auto n = body.read(
            std::as_writable_bytes(std::span(f.bytes.data() + got, f.bytes.size() - got)));
        if (!n) {
            f.error = std::move(n.error());
            return;
        }
        if (*n == 0) {
            break;
        }
        got += *n;
    }
    f.bytes.resize(got);
}

// The next piece of a streamed body (on the blocking pool).
core::StreamResult read_piece(storage::Body& body) {
    core::StreamResult out;
    std::string piece(stream_piece, '\0');
    auto n = body.read(std::as_writable_bytes(std::span(piece.data(), piece.size())));
    if (!n) {
        out.error = n.error().message;
        return out;
    }
    if (*n > 0) {
        piece.resize(*n);
        out.piece = std::move(piece);
    }
    return out;
}

// Fills f, which lives in do_get's frame (moving this struct around cost 6% of a small GET).
// on_loop: running on the event loop (fast_reads): a body that must be read into memory is
// left in f.unread for a thread.
void fetch(Fetched& f, const Request& r, bool on_loop) {
    if (auto d = check_if_header(r)) {
        f.denial = std::move(d);
        return;
    }
    auto opened = r.options.store->open_document(r.path);
    if (!opened) {
        f.error = std::move(opened.error());
        return;
    }
    f.meta = std::move(opened->meta);
    f.fresh_until = opened->fresh_until;
    if (!f.meta.collection && r.names_collection()) {
        f.error = storage::Error{storage::Errc::not_found,
                                 r.path + " is a document; a URL ending in '/' names a collection"};
        return;
    }
    if (f.meta.collection) {
        // Listed for HEAD too: its Content-Length is the listing's (RFC 9110 section 8.6).
        auto list = r.options.store->list(r.path);
        if (list) {
            f.members = std::move(*list);
        } else if (list.error().code != storage::Errc::not_found) {
            f.error = std::move(list.error()); // never an empty page for a failed listing
        }
        return;
    }
    auto& body = opened->body;
    if (auto bytes = body->memory()) {
        f.cached = std::move(bytes);
        return;
    }
    if (auto file = body->file()) {
        const int fd = file->fd;
        f.file = std::make_shared<BodyFile>(std::move(body), fd);
        return;
    }
    if (body->length() <= max_memory_body) {
        if (on_loop) {
            f.unread = std::move(body);
        } else {
            read_into(f, *body);
        }
        return;
    }
    f.body = std::move(body);
}

std::string listing_html(const Request& r, const Fetched& f) {
    std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
    out += http::html_escape(f.meta.path);
    out += "</title></head><body><h1>";
    out += http::html_escape(f.meta.path);
    out += "</h1><ul>\n";
    if (!storage::is_root(f.meta.path)) {
        out += "<li><a href=\"../\">../</a></li>\n";
    }
    for (const auto& m : f.members) {
        const auto name = std::string(storage::name_of(m.path));
        out += "<li><a href=\"";
        out += http::html_escape(r.href(m.path, m.collection));
        out += "\">";
        out += http::html_escape(name);
        out += m.collection ? "/" : "";
        out += "</a></li>\n";
    }
    out += "</ul></body></html>\n";
    return out;
}

} // namespace

asio::awaitable<void> do_options(Request& r) {
    auto& res = r.ex.response();
    res.status = 200;
    // Class 3 is RFC 4918 itself (section 18.3); sync-collection is announced by the
    // supported-report-set and by being in Allow's REPORT. A client that may only read is not
    // offered locking (class 2): macOS Finder then mounts the share read-only.
    res.headers.add("DAV", r.ex.may_write ? "1, 2, 3" : "1, 3");
    res.headers.add("MS-Author-Via", "DAV");
    // What this target takes, as a 405 there says (a client the authentication phase lets
    // only read is offered only the reads).
    const char* allow = co_await methods_allowed_on(r);
    res.headers.add("Allow", allow);
    res.headers.add("Accept-Ranges", "bytes");
}

asio::awaitable<void> do_get(Request& r) {
    // A small document served lately is answered from the worker's GetAnswers. An If header
    // is weighed against the store's state, so such a request takes the whole way.
    GetAnswers* answers = nullptr;
    std::optional<std::uint64_t> generation;
    if (r.options.inline_reads && !r.if_header && !r.names_collection()) {
        generation = r.options.store->read_generation(); // before the read (see GetAnswers)
    }
    if (generation) {
        answers = &r.ex.worker_local<GetAnswers>(r.options.store.get());
        if (const auto* hit = answers->find(r.path, *generation, GetAnswers::Clock::now())) {
            auto& res = r.ex.response();
            res.status = 200;
            res.prepared = hit->fields;
            res.body.append_shared(hit->bytes);
            co_return;
        }
    }
    Fetched f;
    // The store's reads are short: on the event loop.
    if (r.options.inline_reads && r.options.store->reads_short_now()) {
        fetch(f, r, true);
    } else {
        auto work = [&f, &r] {
            fetch(f, r, false);
            return true;
        };
        (void)co_await r.ex.run_blocking(std::move(work));
    }
    if (f.unread) {
        auto read = [&f] {
            read_into(f, *f.unread);
            return true;
        };
        (void)co_await r.ex.run_blocking(std::move(read));
        f.unread.reset();
    }
    auto& res = r.ex.response();
    if (f.denial) {
        fail(r.ex, f.denial->status, f.denial->body);
        co_return;
    }
    if (f.error) {
        fail(r.ex, status_of(f.error->code), f.error->message);
        co_return;
    }
    const std::time_t mtime = storage::Clock::to_time_t(f.meta.modified);
    if (f.meta.collection) {
        // The listing carries no validator of its own (a member's change leaves the
        // collection's etag as it is), so only the fields that can fail are weighed here,
        // against the collection's etag and date as for every other method: 412.
        if (auto failed =
                failed_precondition(r.ex.request().method, r.ex.request().headers,
                                    validators_of(storage::Result<storage::Meta>(f.meta)))) {
            fail(r.ex, 412, *failed);
            co_return;
        }
        res.status = 200;
        res.headers.add("Content-Type", "text/html; charset=utf-8");
        res.body.append(listing_html(r, f)); // HEAD: the core sends the length, not the body
        co_return;
    }
    res.status = 200;
    std::string type = f.meta.content_type.empty() ? std::string("application/octet-stream")
                                                   : std::move(f.meta.content_type);
    std::string etag = quoted_etag(f.meta.etag);
    if (f.cached) {
        // The store keeps these bytes in memory: the answer is worth keeping as it goes out.
        res.prepared = core::prepare_fields(std::move(type), std::move(etag), mtime);
        if (answers && f.fresh_until > GetAnswers::Clock::now()) {
            answers->remember(r.path, {res.prepared, f.cached}, *generation, f.fresh_until);
        }
        res.body.append_shared(std::move(f.cached));
        co_return;
    }
    res.headers.add("Content-Type", std::move(type));
    res.validators = http::Validators{true, std::move(etag), mtime};
    if (f.file) {
        const auto span = f.file->body->file();
        auto fd = std::shared_ptr<const core::UniqueFd>(f.file, &f.file->fd);
        res.body.append_file(std::move(fd), span->offset, span->length);
        res.accept_ranges = true;
        co_return;
    }
    if (!f.body) {
        res.body.append(std::move(f.bytes));
        res.accept_ranges = true;
        co_return;
    }
    // A large body from a store without files: streamed with its length declared, and
    // seekable for ranges, each range read by a body of its own opened for it (the document
    // must still be the one whose etag went out).
    core::Exchange* ex = &r.ex;
    auto body = f.body;
    const std::uint64_t length = body->length();
    auto whole = [ex, body]() -> asio::awaitable<core::StreamResult> {
        // Named, not a temporary inside co_await: g++ 12 mis-copies such temporaries.
        auto read = [body] { return read_piece(*body); };
        co_return co_await ex->run_blocking(std::move(read));
    };
    auto from = [ex, store = r.options.store, path = r.path,
                 tag = f.meta.etag](std::uint64_t first, std::uint64_t size) -> core::StreamPull {
        auto part = std::make_shared<std::unique_ptr<storage::Body>>();
        return [ex, store, path, tag, first, size, part]() -> asio::awaitable<core::StreamResult> {
            auto read = [store, path, tag, first, size, part] {
                if (!*part) {
                    auto now = store->stat(path);
                    if (!now || now->etag != tag) {
                        return core::StreamResult{std::nullopt,
                                                  path + " changed while its ranges were sent"};
                    }
                    auto opened = store->open_read(path, storage::ByteRange{first, size});
                    if (!opened) {
                        return core::StreamResult{std::nullopt, opened.error().message};
                    }
                    *part = std::move(*opened);
                }
                return read_piece(**part);
            };
            co_return co_await ex->run_blocking(std::move(read));
        };
    };
    res.body.append_stream(std::move(whole), length, std::move(from));
    res.accept_ranges = true;
}

} // namespace quire::dav
