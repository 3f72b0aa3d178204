#include "error_log.hpp"

#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace quire::net {

namespace {

class LogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit LogFileSink(std::shared_ptr<LogFile> file) : file_(std::move(file)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        file_->write(std::string_view(formatted.data(), formatted.size()));
    }
    void flush_() override {}

private:
    std::shared_ptr<LogFile> file_;
};

} // namespace

tl::expected<std::shared_ptr<LogFile>, std::string> install_error_log(const config::Logging& l) {
    auto file = LogFile::open(l.error, 2);
    if (!file) {
        return tl::unexpected("error log " + file.error());
    }
    auto shared = std::make_shared<LogFile>(std::move(*file));
    auto logger = std::make_shared<spdlog::logger>("quire", std::make_shared<LogFileSink>(shared));
    logger->set_level(spdlog::level::from_str(l.level));
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
    spdlog::set_default_logger(logger);
    return shared;
}

} // namespace quire::net
