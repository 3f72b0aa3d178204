// What every connection of one worker thread shares.
#pragma once

#include "buffer_pool.hpp"
#include "config/config.hpp"
#include "connection_tracker.hpp"
#include "core/blocking_pool.hpp"
#include "core/worker_locals.hpp"
#include "date_cache.hpp"
#include "http/parser.hpp"
#include "log_file.hpp"

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
