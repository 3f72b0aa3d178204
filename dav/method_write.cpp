// PUT, DELETE and MKCOL (RFC 4918 sections 9.3, 9.6, 9.7).
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/preconditions.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "http/conditional.hpp"
#include "storage/path.hpp"

#include <memory>

namespace quire::dav {

namespace {

// A PUT body: in memory when its declared length is small, else written into the store as it
// arrives (`stream`, never the whole body in memory). In memory: read into `memory`, or, when
// it came whole with the head, left in the connection's buffer (`buffered`, valid while the
// request is handled).
struct PutBody {
    std::string memory;
    std::optional<std::string_view> buffered;
    std::unique_ptr<storage::PutStream> stream;

    std::string_view in_memory() const { return buffered ? *buffered : std::string_view(memory); }
};

// A body read that failed answers the request with its status and reason, and the connection
// closes (the rest of the body is not read).
bool read_failed(Request& r, const tl::expected<std::size_t, core::BodyError>& n) {
    if (n) {
        return false;
    }
    fail(r.ex, n.error().status, n.error().reason);
    r.ex.response().close = true;
    return true;
}

// If-Match / If-None-Match as the store's atomic precondition when they hold one tag or "*".
storage::Precondition store_precondition(const http::Headers& h) {
    auto one = [](std::optional<std::string_view> v) -> std::optional<std::string> {
        if (!v) {
            return std::nullopt;
        }
        if (*v == "*") {
            return std::string("*");
        }
        if (v->size() >= 2 && v->front() == '"' && v->back() == '"' &&
            v->find(',') == std::string_view::npos) {
            return std::string(v->substr(1, v->size() - 2));
        }
        return std::nullopt;
    };
    return storage::Precondition{one(h.get("If-Match")), one(h.get("If-None-Match"))};
}

struct WriteOutcome {
    int status = 0;
    std::string body; // error detail or XML
    bool xml = false;
    std::string etag;
};

// RFC 4331 section 6: the write would take the share over its quota.
WriteOutcome quota_exceeded() {
    return WriteOutcome{507, error_body("quota-not-exceeded"), true, {}};
}

WriteOutcome from_denial(Denial d) {
    return WriteOutcome{d.status, std::move(d.body), d.xml, {}};
}
WriteOutcome from_error(const storage::Error& e) {
    return WriteOutcome{status_of(e.code), e.message, false, {}};
}

void answer(Request& r, WriteOutcome o) {
    if (is_denial(o.status)) {
        answer_denial(r, Denial{o.status, std::move(o.body), o.xml});
        return;
    }
    auto& res = r.ex.response();
    res.status = o.status;
    if (!o.etag.empty()) {
        res.headers.add("ETag", quoted_etag(o.etag));
    }
}

// Drops a put stream that will not finish on the blocking pool: giving back the blocks of a
// large unnamed file is file system work that must not stall the event loop.
asio::awaitable<void> drop_on_pool(Request& r, std::unique_ptr<storage::PutStream> stream) {
    co_await r.ex.run_blocking([&stream] { stream.reset(); });
}

asio::awaitable<std::optional<PutBody>> receive_body(Request& r) {
    PutBody out;
    auto& body = r.ex.body();
    if (!body.present()) {
        co_return out;
    }
    // A declared length that fits in memory: left in the connection's buffer when it is all
    // there, else read straight into the string: no 64 KiB buffer to allocate and free, and no
    // copy out of it (callgrind: a tenth of a 4 KiB PUT's instructions went to that buffer's
    // malloc, free and copy).
    if (auto length = body.declared_length(); length && *length <= r.options.max_memory_put) {
        if ((out.buffered = body.take_whole_if_buffered())) {
            co_return out;
        }
        out.memory.resize(static_cast<std::size_t>(*length));
        std::size_t got = 0;
        while (got < out.memory.size()) {
            auto n =
                co_await body.read(std::span(out.memory.data() + got, out.memory.size() - got));
            if (read_failed(r, n)) {
                co_return std::nullopt;
            }
            if (*n == 0) {
                break;
            }
            got += *n;
        }
        out.memory.resize(got);
        co_return out;
    }
    // Larger, or of unknown length (chunked): into the store piece by piece as it arrives (fs:
    // into the file beside the target that becomes the document), each piece written on the
    // blocking pool, which no slow client holds while the next piece is awaited.
    // With a quota, what the body may reach before it is refused (the write pass checks again
    // at the end): a body of unknown length does not fill the disk far beyond the quota.
    std::uint64_t replaced = 0;
    auto stream = co_await r.ex.run_blocking([&r, &replaced] {
        if (r.options.quota) {
            const auto meta = r.options.store->stat_basic(r.path);
            replaced = meta && !meta->collection ? meta->size : 0;
        }
        return r.options.store->begin_put(r.path);
    });
    if (!stream) {
        answer(r, from_error(stream.error()));
        co_return std::nullopt;
    }
    out.stream = std::move(*stream);
    // A piece is filled from as many reads as it takes before it goes to the pool: a read
    // gives what one segment brought, and a hand-off per read cost more than the write.
    constexpr std::size_t piece = 1024 * 1024;
    const auto buf = std::make_unique_for_overwrite<char[]>(piece); // not zero-filled
    for (bool ended = false; !ended;) {
        std::size_t filled = 0;
        while (filled < piece) {
            auto n = co_await body.read(std::span(buf.get() + filled, piece - filled));
            if (read_failed(r, n)) {
                co_await drop_on_pool(r, std::move(out.stream)); // and what it wrote with it
                co_return std::nullopt;
            }
            if (*n == 0) {
                ended = true;
                break;
            }
            filled += *n;
        }
        if (filled == 0) {
            break;
        }
        auto refused = co_await r.ex.run_blocking(
            [&r, &out, &buf, filled, replaced]() -> std::optional<WriteOutcome> {
                auto wrote = out.stream->write(std::as_bytes(std::span(buf.get(), filled)));
                if (!wrote) {
                    return from_error(wrote.error()); // a full disk: 507
                }
                if (r.options.quota &&
                    !r.options.quota->admits(*r.options.store, out.stream->size(), replaced)) {
                    return quota_exceeded();
                }
                return std::nullopt;
            });
        if (refused) {
            answer(r, std::move(*refused));
            r.ex.response().close = true; // the rest of the body is not read
            co_await drop_on_pool(r, std::move(out.stream));
            co_return std::nullopt;
        }
    }
    co_return out;
}

// What refuses a PUT before its body is stored: 405 onto a collection, 423 for a lock whose
// token is not submitted, 412 for a precondition field that does not hold. Sets replaced to
// the size of the document it would replace.
std::optional<WriteOutcome> put_refusal(Request& r, std::uint64_t& replaced) {
    const auto meta = r.options.store->stat_basic(r.path);
    if (meta && meta->collection) {
        return WriteOutcome{405, "a collection cannot be replaced by PUT", false, {}};
    }
    const LockScopeToCheck self{r.path, false};
    const LockScopeToCheck parent{storage::parent_of(r.path), false};
    const LockScopeToCheck both[] = {self, parent};
    if (auto d = check_write(r, meta ? std::span(both, 1) : std::span(both, 2))) {
        return from_denial(std::move(*d));
    }
    if (auto reason = failed_precondition("PUT", r.ex.request().headers, validators_of(meta))) {
        return WriteOutcome{412, std::move(*reason), false, {}};
    }
    replaced = meta ? meta->size : 0;
    return std::nullopt;
}

// Whether a PUT's body may be long in coming: one over what is held in memory, of unknown
// length, or one the client sends only after a 100 Continue.
bool body_may_take_long(Request& r) {
    const auto declared = r.ex.body().declared_length();
    return r.ex.body().present() &&
           (!declared || *declared > r.options.max_memory_put || r.ex.request().expect_continue);
}

} // namespace

asio::awaitable<void> do_put(Request& r) {
    if (storage::is_root(r.path)) {
        fail(r.ex, 405, "the root of the share is a collection");
        co_return;
    }
    if (r.ex.path_in_mount().ends_with('/')) {
        // RFC 4918 section 5.2: a URL ending in '/' names a collection, and PUT makes
        // documents: 405 onto a collection there, else 409 (as nginx answers).
        auto meta =
            co_await r.ex.run_blocking([&r] { return r.options.store->stat_basic(r.path); });
        if (meta && meta->collection) {
            fail(r.ex, 405, "a collection cannot be replaced by PUT");
        } else {
            fail(r.ex, 409, "PUT makes a document; a URL ending in '/' names a collection");
        }
        co_return;
    }
    if (r.ex.request().headers.has("Content-Range")) {
        // RFC 9110 section 14.4: a partial PUT would be taken as the whole new content.
        fail(r.ex, 400, "PUT with Content-Range (a partial update) is not supported");
        co_return;
    }
    if (r.options.quota) {
        // A declared length over what the share can take is refused before the body comes.
        if (auto declared = r.ex.body().declared_length()) {
            const bool fits = co_await r.ex.run_blocking([&r, n = *declared] {
                auto meta = r.options.store->stat_basic(r.path);
                return r.options.quota->admits(*r.options.store, n,
                                               meta && !meta->collection ? meta->size : 0);
            });
            if (!fits) {
                answer(r, quota_exceeded());
                r.ex.response().close = true; // the body is not read
                co_return;
            }
        }
    }
    // A body that may take long is not waited for when the PUT would be refused anyway (a lock
    // without its token, a failed precondition: RFC 9110 section 10.1.1 wants such an answer
    // before the 100 Continue). This look holds no write pass: the one under the pass below
    // decides.
    if (body_may_take_long(r) &&
        (r.if_header || (r.ex.request().may_have & http::RequestHead::conditional_fields) ||
         r.options.locks->any().value_or(true))) {
        auto refused = co_await r.ex.run_blocking([&r] {
            std::uint64_t replaced = 0;
            return put_refusal(r, replaced);
        });
        if (refused) {
            answer(r, std::move(*refused));
            co_return;
        }
    }
    auto received = co_await receive_body(r);
    if (!received) {
        co_return;
    }
    const auto& h = r.ex.request().headers;
    storage::PutOptions options;
    options.precondition = store_precondition(h);
    if (auto type = h.get("Content-Type"); type && !type->empty()) {
        options.content_type = std::string(*type);
    } else {
        options.content_type = r.mime->lookup(storage::name_of(r.path));
    }
    // As a MOVE (method_copy_move.cpp): with nothing to check, a small body in memory that the
    // store can place at once (fs: its quick journal, the writer lock free) is put on this
    // thread, without the two futex hand-offs to the pool and back (strace: about 13 system calls
    // per PUT became 10; in requests/s the gain is within the benchmark's noise).
    constexpr std::size_t inline_put_max = 64 * 1024;
    if (!received->stream && received->in_memory().size() <= inline_put_max && !r.if_header &&
        !r.options.quota && !(r.ex.request().may_have & http::RequestHead::conditional_fields)) {
        // The pass first: a lock granted after the look at the table would otherwise be missed.
        auto pass = r.options.gate->try_write({r.path});
        const bool unlocked = pass && r.options.locks->known_unlocked();
        if (auto put = unlocked ? r.options.store->try_put_now(r.path, received->in_memory(),
                                                               options, r.actor)
                                : std::nullopt) {
            answer(r, *put ? WriteOutcome{(*put)->created ? 201 : 204, {}, false, (*put)->etag}
                           : from_error(put->error()));
            co_return;
        }
    }
    auto work = [&r, &options, body = std::move(*received)]() mutable -> WriteOutcome {
        const auto pass = r.options.gate->write({r.path});
        // With no If header, no precondition field and nothing locked, the store's own look
        // at the target (under its writer lock) is the only one needed: one stat less.
        const auto nothing_locked = r.options.locks->any();
        const bool plain = !r.if_header && nothing_locked && !*nothing_locked && !r.options.quota &&
                           !(r.ex.request().may_have & http::RequestHead::conditional_fields);
        std::uint64_t replaced = 0;
        if (!plain) {
            if (auto refused = put_refusal(r, replaced)) {
                return std::move(*refused);
            }
        }
        const std::uint64_t size = body.stream ? body.stream->size() : body.in_memory().size();
        if (r.options.quota && !r.options.quota->admits(*r.options.store, size, replaced)) {
            return quota_exceeded();
        }
        storage::Result<storage::PutResult> put;
        if (body.stream) {
            put = body.stream->finish(options, r.actor);
        } else {
            storage::MemorySource source(body.in_memory());
            put = r.options.store->put(r.path, source, options, r.actor);
        }
        if (!put) {
            return from_error(put.error());
        }
        if (r.options.quota) {
            r.options.quota->changed(size, replaced);
        }
        return WriteOutcome{put->created ? 201 : 204, {}, false, put->etag};
    };
    answer(r, co_await r.ex.run_blocking(std::move(work)));
}

asio::awaitable<void> do_delete(Request& r) {
    const auto depth = parse_depth(r.ex.request().headers.get("Depth"));
    if (!depth) {
        fail(r.ex, 400, depth.error());
        co_return;
    }
    auto work = [&r, depth = *depth]() -> WriteOutcome {
        const auto pass = r.options.gate->write({r.path});
        const auto meta = r.options.store->stat_basic(r.path);
        if (!meta) {
            return from_error(meta.error());
        }
        if (meta->collection && depth && *depth != Depth::infinity) {
            // RFC 4918 section 9.6.1: a collection is deleted with Depth: infinity only; a
            // document ignores the header.
            return WriteOutcome{
                400, "DELETE of a collection takes Depth: infinity only", false, {}};
        }
        if (storage::is_root(r.path)) {
            return WriteOutcome{403, "the root of the share cannot be deleted", false, {}};
        }
        const LockScopeToCheck scopes[] = {{r.path, true}, {storage::parent_of(r.path), false}};
        if (auto d = check_write(r, scopes)) {
            return from_denial(std::move(*d));
        }
        if (auto reason =
                failed_precondition("DELETE", r.ex.request().headers, validators_of(meta))) {
            return WriteOutcome{412, std::move(*reason), false, {}};
        }
        auto removed =
            r.options.store->remove(r.path, store_precondition(r.ex.request().headers), r.actor);
        if (!removed) {
            return from_error(removed.error());
        }
        remove_locks_within(r, r.path);
        if (r.options.quota) {
            if (meta->collection) {
                r.options.quota->invalidate();
            } else {
                r.options.quota->changed(0, meta->size);
            }
        }
        return WriteOutcome{204, {}, false, {}};
    };
    answer(r, co_await r.ex.run_blocking(std::move(work)));
}

asio::awaitable<void> do_mkcol(Request& r) {
    // RFC 4918 section 9.3: a body this server does not understand. An empty one is no body
    // (Content-Length: 0, or chunked with no data, as many client libraries send).
    auto& body = r.ex.body();
    bool has_content = false;
    if (body.present()) {
        const auto declared = body.declared_length();
        if (declared) {
            has_content = *declared > 0;
        } else {
            char probe[1];
            const auto n = co_await body.read(probe);
            if (!n) {
                fail(r.ex, n.error().status, n.error().reason);
                co_return;
            }
            has_content = *n > 0;
        }
    }
    if (has_content) {
        fail(r.ex, 415, "MKCOL with a request body is not supported");
        co_return;
    }
    auto work = [&r]() -> WriteOutcome {
        const auto pass = r.options.gate->write({r.path});
        const LockScopeToCheck scopes[] = {{r.path, false}, {storage::parent_of(r.path), false}};
        if (auto d = check_write(r, scopes)) {
            return from_denial(std::move(*d));
        }
        auto made = r.options.store->mkcol(r.path, r.actor);
        if (!made) {
            if (made.error().code == storage::Errc::exists) {
                return WriteOutcome{405, "a resource already exists at this URL", false, {}};
            }
            return from_error(made.error());
        }
        return WriteOutcome{201, {}, false, {}};
    };
    answer(r, co_await r.ex.run_blocking(std::move(work)));
}

} // namespace quire::dav
