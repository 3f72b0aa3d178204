// What every connection of one worker thread shares.
#pragma once

#include "buffer_pool.hpp"
#include "connection_tracker.hpp"
#include "date_cache.hpp"
#include "log_file.hpp"
#include "config/config.hpp"
#include "core/blocking_pool.hpp"
#include "core/worker_locals.hpp"
#include "http/parser.hpp"

namespace quire::net {

struct WorkerContext {
    const config::Config& config;
    core::BlockingPool& pool;
    ConnectionTracker& tracker;
    const LogFile& access_log;
    http::ParseLimits parse_limits;
    DateCache dates;
    BufferPool buffers;
    core::WorkerLocals locals;
};

} // namespace quire::net
