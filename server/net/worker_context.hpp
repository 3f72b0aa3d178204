// What every connection of one worker thread shares.
#pragma once

#include <string>

#include "buffer_pool.hpp"
#include "config/config.hpp"
#include "connection_tracker.hpp"
#include "core/blocking_pool.hpp"
#include "core/worker_locals.hpp"
#include "date_cache.hpp"
#include "http/parser.hpp"
#include "log_file.hpp"
#include "request_head_pool.hpp"

namespace quire::net {

struct WorkerContext {
    const config::Config& config;
    core::BlockingPool& pool;
    ConnectionTracker& tracker;
    const LogFile& access_log;
    http::ParseLimits parse_limits;
    DateCache dates;
    BufferPool buffers;
    // Where responses' heads are built (one worker thread, one response at a time until it
    // is sent or copied). Per worker, not per connection: a head kept by each connection
    // until it idles fragmented the heap (0.4 KiB more per idle connection).
    std::string head_scratch;
    RequestHeadPool heads;
    core::WorkerLocals locals;
};

} // namespace quire::net
