// Image attachments on a real PostgreSQL: the same bytes are stored once
// however many chats upload them; an image is served with the chats that
// hold it; a message refers to its chat's uploads only (another chat's id or
// an unknown one stores nothing), and its attachments travel with it from
// the inbox through the turn's checkpoint into history; a view_image result
// keeps its image through the journal; a fork holds its images under the
// same ids; archiving a chat drops its images, and the sweep removes expired
// uploads and bytes no attachment holds.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/attachment_repository.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

storage::attachment_blob blob(const std::string& sha, const std::string& bytes) {
  storage::attachment_blob b;
  b.sha256 = sha;
  b.media_type = "image/png";
  b.data = bytes;
  b.width = 40;
  b.height = 30;
  b.thumb_media_type = "image/webp";
  b.thumb_data = "thumb of " + bytes;
  return b;
}

struct fixture {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::session_repository sessions{db.conninfo()};
  storage::attachment_repository images{db.conninfo()};
  fixture() {
    chats.create_chat(test::sample_chat("c_1"));
    chats.create_chat(test::sample_chat("c_2"));
  }
  int64_t count(const std::string& table) {
    return std::stoll(db.scalar("SELECT count(*) FROM " + table));
  }
};

} // namespace

TEST(AttachmentRepositoryTest, TheSameBytesAreStoredOnceAndServedToTheChatsThatHoldThem) {
  fixture f;
  std::string bytes("\x89PNG\r\n\x1a\n\0binary", 15);
  auto first = f.images.store(blob("s1", bytes), "c_1", "a_0000000000000001", "shot.png");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, "a_0000000000000001");
  EXPECT_EQ(first->name, "shot.png");
  EXPECT_EQ(first->bytes, 15);
  EXPECT_EQ(first->width, 40);
  // The same bytes again to the same chat: the same attachment.
  auto again = f.images.attach("s1", "c_1", "a_0000000000000009", "other.png");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, "a_0000000000000001");
  // To another chat: its own attachment, the same blob.
  auto second = f.images.attach("s1", "c_2", "a_0000000000000002", "");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "a_0000000000000002");
  EXPECT_EQ(f.count("attachment_blobs"), 1);
  EXPECT_EQ(f.count("attachments"), 2);

  auto served = f.images.fetch("a_0000000000000001", storage::image_variant::original);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->data, bytes); // byte for byte, NULs included
  EXPECT_EQ(served->media_type, "image/png");
  EXPECT_EQ(served->chats, std::vector<std::string>{"c_1"});
  auto thumb = f.images.fetch("a_0000000000000001", storage::image_variant::thumbnail);
  ASSERT_TRUE(thumb);
  EXPECT_EQ(thumb->media_type, "image/webp");
  EXPECT_EQ(thumb->data, "thumb of " + bytes);
  EXPECT_FALSE(f.images.fetch("a_ffffffffffffffff", storage::image_variant::original));
  // No model copy: the model gets the original.
  auto sent = f.images.model_copy("s1");
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->data, bytes);
  EXPECT_FALSE(f.images.model_copy("gone"));
  // A blob not stored yet cannot be attached; an unknown chat keeps nothing.
  EXPECT_FALSE(f.images.attach("s2", "c_1", "a_0000000000000003", ""));
  bool no_chat = false;
  EXPECT_FALSE(f.images.store(blob("s3", "x"), "c_404", "a_0000000000000004", "", &no_chat));
  EXPECT_TRUE(no_chat);
  EXPECT_EQ(f.count("attachment_blobs"), 1);
}

TEST(AttachmentRepositoryTest, AMessageCarriesOnlyItsChatsUploadsFromInboxToHistory) {
  fixture f;
  auto b = blob("s1", "png bytes");
  b.model_media_type = "image/jpeg";
  b.model_data = "smaller jpeg";
  b.model_width = 20;
  b.model_height = 15;
  ASSERT_TRUE(f.images.store(b, "c_1", "a_0000000000000001", "big.png"));
  ASSERT_TRUE(f.images.store(blob("s2", "other"), "c_2", "a_0000000000000002", ""));
  EXPECT_EQ(f.images.model_copy("s1")->media_type, "image/jpeg");
  EXPECT_EQ(f.images.model_copy("s1")->data, "smaller jpeg");

  // Another chat's upload, or an unknown id: nothing stored.
  auto refused = f.sessions.post("c_1", "look", "m-1", {"a_0000000000000002"});
  EXPECT_TRUE(refused.unknown_attachment);
  EXPECT_EQ(refused.entry.id, 0);
  EXPECT_TRUE(f.sessions.post("c_1", "look", "m-2", {"a_0000000000000001", "a_ffffffffffffffff"})
                .unknown_attachment);
  EXPECT_EQ(f.count("inbox"), 0);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM attachments WHERE referenced_at IS NOT NULL"), "0");

  auto posted = f.sessions.post("c_1", "what is wrong here?", "m-3", {"a_0000000000000001"});
  ASSERT_FALSE(posted.unknown_attachment);
  ASSERT_EQ(posted.entry.attachments.size(), 1u);
  EXPECT_EQ(posted.entry.attachments[0].sha256, "s1");
  EXPECT_EQ(posted.entry.attachments[0].name, "big.png");
  EXPECT_EQ(posted.entry.attachments[0].media_type, "image/png"); // the upload's own
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM attachments WHERE referenced_at IS NOT NULL"), "1");
  // The same client_id again: the stored message, not a second one.
  auto dup = f.sessions.post("c_1", "what is wrong here?", "m-3", {"a_0000000000000001"});
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.entry.attachments, posted.entry.attachments);

  auto lease = f.sessions.acquire_lease("c_1", "node-a");
  auto begun = f.sessions.begin_turn(lease, 1);
  ASSERT_EQ(begun.taken.size(), 1u);
  EXPECT_EQ(begun.taken[0].attachments, posted.entry.attachments);
  // A view_image result keeps its image through the journal and checkpoint.
  chat::message_record tool;
  tool.role = protocol::message_role::tool;
  tool.tool_call_id = "call_1";
  tool.tool_name = "view_image";
  tool.content = "shown";
  tool.outcome = protocol::tool_outcome::ok;
  tool.attachments = posted.entry.attachments;
  f.sessions.journal_message(lease, 1, "r1",
                             test::sample_reply("", {{"call_1", "view_image", "{}"}}));
  f.sessions.journal_message(lease, 1, "t1.0", tool);
  auto resumed = f.sessions.load("c_1");
  ASSERT_TRUE(resumed && resumed->in_progress);
  EXPECT_EQ(resumed->in_progress->find("t1.0", "message")->message->attachments,
            posted.entry.attachments);
  storage::checkpoint_request req;
  req.turn = 1;
  req.state = {{"turn", 1}};
  f.sessions.checkpoint(lease, req);
  auto img = f.sessions.load("c_1");
  ASSERT_TRUE(img);
  ASSERT_EQ(img->history.size(), 3u);
  EXPECT_EQ(img->history[0].attachments, posted.entry.attachments);
  EXPECT_TRUE(img->history[1].attachments.empty());
  EXPECT_EQ(img->history[2].attachments, posted.entry.attachments);
}

TEST(AttachmentRepositoryTest, AForkHoldsItsImagesAndArchivingDropsAChatsImages) {
  fixture f;
  ASSERT_TRUE(f.images.store(blob("s1", "png"), "c_1", "a_0000000000000001", ""));
  auto posted = f.sessions.post("c_1", "see", "m-1", {"a_0000000000000001"});
  auto lease = f.sessions.acquire_lease("c_1", "node-a");
  f.sessions.begin_turn(lease, 1);
  storage::checkpoint_request req;
  req.turn = 1;
  req.state = {{"turn", 1}};
  f.sessions.checkpoint(lease, req);
  auto fork = test::sample_chat("c_3");
  f.chats.fork_chat("c_1", 1, fork);
  auto served = f.images.fetch("a_0000000000000001", storage::image_variant::original);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->chats.size(), 2u);
  EXPECT_EQ(f.sessions.load("c_3")->history[0].attachments, posted.entry.attachments);

  // The original archived: the fork still holds the image.
  f.chats.archive_chat("c_1");
  served = f.images.fetch("a_0000000000000001", storage::image_variant::original);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->chats, std::vector<std::string>{"c_3"});
  f.chats.archive_chat("c_3");
  EXPECT_FALSE(f.images.fetch("a_0000000000000001", storage::image_variant::original));
  // Its bytes go once no chat holds them and they were not touched lately.
  f.db.scalar("UPDATE attachment_blobs SET touched_at = now() - interval '1 hour'");
  EXPECT_EQ(f.images.sweep(24h), 1);
  EXPECT_EQ(f.count("attachment_blobs"), 0);
}

TEST(AttachmentRepositoryTest, TheSweepRemovesExpiredUploadsAndKeepsReferencedAndFreshOnes) {
  fixture f;
  ASSERT_TRUE(f.images.store(blob("s1", "old, unsent"), "c_1", "a_0000000000000001", ""));
  ASSERT_TRUE(f.images.store(blob("s2", "old, sent"), "c_1", "a_0000000000000002", ""));
  ASSERT_TRUE(f.images.store(blob("s3", "fresh"), "c_1", "a_0000000000000003", ""));
  f.sessions.post("c_1", "sent", "m-1", {"a_0000000000000002"});
  f.db.scalar("UPDATE attachments SET created_at = now() - interval '2 days'"
              " WHERE id IN ('a_0000000000000001', 'a_0000000000000002')");
  // The expired upload goes; its bytes stay while touched lately (an upload
  // of the same bytes may be between its two inserts) ...
  EXPECT_EQ(f.images.sweep(24h), 1);
  EXPECT_EQ(f.count("attachments"), 2);
  EXPECT_EQ(f.count("attachment_blobs"), 3);
  // ... and go at a later sweep.
  f.db.scalar("UPDATE attachment_blobs SET touched_at = now() - interval '1 hour'");
  EXPECT_EQ(f.images.sweep(24h), 1);
  EXPECT_EQ(f.db.scalar("SELECT string_agg(sha256, ',' ORDER BY sha256) FROM attachment_blobs"),
            "s2,s3");
  auto totals = f.images.count();
  EXPECT_EQ(totals.attachments, 2);
  EXPECT_EQ(totals.blobs, 2);
}
