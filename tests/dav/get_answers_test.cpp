// The per-worker cache of GET answers: valid for one read generation, until its expiry, and
// bounded in entries and in the bytes it keeps alive.
#include "dav/get_answers.hpp"

#include <gtest/gtest.h>

namespace quire::dav {
namespace {

using Clock = GetAnswers::Clock;

GetAnswers::Answer answer_of(std::string body) {
    return {core::prepare_fields("text/plain", "\"e\"", 0),
            std::make_shared<const std::string>(std::move(body))};
}

TEST(GetAnswersTest, AnAnswerCountsOnlyForItsGenerationAndUntilItExpires) {
    GetAnswers answers;
    const auto now = Clock::now();
    answers.remember("/a", answer_of("a"), 7, now + std::chrono::seconds(1));
    const auto* hit = answers.find("/a", 7, now);
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(*hit->bytes, "a");
    EXPECT_EQ(answers.find("/b", 7, now), nullptr);
    EXPECT_EQ(answers.find("/a", 7, now + std::chrono::seconds(1)), nullptr) << "expired";
    answers.remember("/a", answer_of("a"), 7, now + std::chrono::seconds(1));
    EXPECT_EQ(answers.find("/a", 8, now), nullptr) << "a write moved the generation";
    EXPECT_EQ(answers.find("/a", 7, now), nullptr) << "and every older answer is gone";
    // An answer read under a generation older than the one last seen is not served later.
    answers.remember("/a", answer_of("old"), 7, now + std::chrono::seconds(1));
    EXPECT_EQ(answers.find("/a", 8, now), nullptr);
}

TEST(GetAnswersTest, TheBytesKeptAliveStayBounded) {
    GetAnswers answers;
    const auto later = Clock::now() + std::chrono::hours(1);
    const std::string big(GetAnswers::max_bytes / 4, 'x');
    for (int i = 0; i < 4; ++i) {
        answers.remember("/f" + std::to_string(i), answer_of(big), 1, later);
    }
    EXPECT_NE(answers.find("/f3", 1, Clock::now()), nullptr);
    EXPECT_NE(answers.find("/f0", 1, Clock::now()), nullptr);
    // Replacing an answer does not count its old bytes twice.
    answers.remember("/f0", answer_of(big), 1, later);
    EXPECT_NE(answers.find("/f1", 1, Clock::now()), nullptr);
    // One more does not fit: the cache starts over rather than grow past max_bytes.
    answers.remember("/f4", answer_of("y"), 1, later);
    EXPECT_EQ(answers.find("/f1", 1, Clock::now()), nullptr);
    ASSERT_NE(answers.find("/f4", 1, Clock::now()), nullptr);
    EXPECT_EQ(*answers.find("/f4", 1, Clock::now())->bytes, "y");
}

TEST(GetAnswersTest, TheEntriesStayBounded) {
    GetAnswers answers;
    const auto later = Clock::now() + std::chrono::hours(1);
    for (std::size_t i = 0; i <= GetAnswers::max_entries; ++i) {
        std::string path = "/e";
        path += std::to_string(i);
        answers.remember(path, answer_of("z"), 1, later);
    }
    EXPECT_EQ(answers.find("/e0", 1, Clock::now()), nullptr);
    EXPECT_NE(answers.find("/e" + std::to_string(GetAnswers::max_entries), 1, Clock::now()),
              nullptr);
}

} // namespace
} // namespace quire::dav
