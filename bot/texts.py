"""Every user-facing string of the bot, Vietnamese first, English second.

Strings are HTML (the bot's parse mode), except the ``console_`` ones (plain text for the
terminal chat), the ``cmd_`` ones (the command menu) and the chart labels (``trend_title``,
``trend_y``, ``trend_x_*``). ``{placeholders}`` are filled by
:func:`text`; HTML callers go through :func:`bot.formatting.html_text`, which escapes them.
A chat reads the language it chose with /lang; otherwise a user whose Telegram language is set
and is not Vietnamese reads English, everyone else Vietnamese.
"""

from __future__ import annotations

VI, EN = "vi", "en"

TEXTS: dict[str, tuple[str, str]] = {
    "welcome": (
        "Chào bạn! Mình là <b>Hỏi Tin</b>: hỏi mình về tin tức bằng tiếng Việt (có dấu hay không dấu "
        "đều được), mình trả lời bằng những câu trong bài báo, kèm nguồn.\n\nThử hỏi:\n{examples}\n\n"
        "Gõ /help để xem các lệnh.",
        "Hello! I am <b>Hỏi Tin</b>: ask me about the news in Vietnamese (with or without diacritics) "
        "and I answer with sentences from the articles, with their sources.\n\nTry:\n{examples}\n\n"
        "Send /help for the commands.",
    ),
    "example_question": ("Ai chủ trì hội nghị?", "Ai chủ trì hội nghị?"),  # /start when no article names anyone
    "help": (
        "<b>Hỏi Tin</b> trả lời câu hỏi về các bài báo.\n"
        "• Nhắn câu hỏi, ví dụ: <i>Ai chủ trì hội nghị?</i> (trong nhóm: /ask câu hỏi, hoặc nhắc tên bot)\n"
        "• Hỏi kèm thời gian: <i>Hôm qua ai ghi bàn cho Hà Nội FC?</i>, <i>tuần trước</i>, <i>năm 2024</i>, "
        "<i>mới nhất</i>…\n"
        "• Trả lời (reply) một câu trả lời của mình để hỏi tiếp trong các bài đó: <i>vì sao?</i>\n"
        "• 📖 dưới câu trả lời: đọc cả bài ngay trong chat; 👍 / 👎: cho mình biết câu trả lời có đúng không\n"
        "• /search từ khóa — tìm bài báo; thêm <i>từ:1/10 đến:15/10</i>, <i>nguồn:vnexpress</i>, <i>tuần này</i>\n"
        "• /latest — các bài mới nhất; /trend từ khóa — biểu đồ số bài theo ngày (<i>/trend bão 2023</i>)\n"
        "• /subscribe từ khóa — nhận tin khi có bài mới chứa đủ các từ; dùng ngoặc kép cho cụm từ: "
        "<i>/subscribe \"miền Trung\" bão</i>\n"
        "• /subscriptions — các đăng ký của bạn; /unsubscribe số hoặc từ khóa — hủy\n"
        "• /pause, /resume — tạm dừng, bật lại tin báo; /quiet 22-7 — giờ yên lặng (giờ Việt Nam)\n"
        "• /lang vi hoặc /lang en — ngôn ngữ của cuộc trò chuyện; trong nhóm có chủ đề, mỗi chủ đề có đăng ký riêng\n"
        "• Gõ <i>@{username} từ khóa</i> trong cuộc trò chuyện bất kỳ để chia sẻ bài báo.",
        "<b>Hỏi Tin</b> answers questions about news articles.\n"
        "• Send a question, e.g. <i>Ai chủ trì hội nghị?</i> (in groups: /ask question, or mention the bot)\n"
        "• Ask with a time: <i>Hôm qua ai ghi bàn cho Hà Nội FC?</i>, <i>tuần trước</i>, <i>năm 2024</i>, "
        "<i>mới nhất</i>…\n"
        "• Reply to one of my answers to ask more within its articles: <i>vì sao?</i>\n"
        "• 📖 under an answer: read the whole article in the chat; 👍 / 👎: tell me whether it was right\n"
        "• /search keywords — find articles; add <i>từ:1/10 đến:15/10</i>, <i>nguồn:vnexpress</i>, <i>tuần này</i>\n"
        "• /latest — newest articles; /trend keywords — articles per day as a chart (<i>/trend bão 2023</i>)\n"
        "• /subscribe keywords — an alert when a new article contains all the words; quote a phrase: "
        "<i>/subscribe \"miền Trung\" bão</i>\n"
        "• /subscriptions — your subscriptions; /unsubscribe number or keywords — remove one\n"
        "• /pause, /resume — stop and restart alerts; /quiet 22-7 — quiet hours (Vietnam time)\n"
        "• /lang vi or /lang en — this chat's language; in a group with topics, each topic has its own subscriptions\n"
        "• Type <i>@{username} keywords</i> in any chat to share an article.",
    ),
    "not_found": (
        "Mình chưa tìm thấy câu trả lời trong các bài báo hiện có. Hãy thử hỏi cụ thể hơn (tên người, "
        "địa danh, sự kiện, thời gian) hoặc dùng /search từ khóa.",
        "I found no answer in the current articles. Try a more specific question (a name, place, event "
        "or date) or /search keywords.",
    ),
    "empty_question": (
        "Câu hỏi chưa có từ nào để tìm. Hãy hỏi cụ thể hơn, ví dụ: <i>Ai chủ trì hội nghị?</i>",
        "Your question has no word to look for. Try e.g. <i>Ai chủ trì hội nghị?</i>",
    ),
    "too_long": (
        "Tin nhắn quá dài ({length} ký tự). Hãy hỏi ngắn gọn, tối đa {limit} ký tự.",
        "That message is too long ({length} characters). Please keep it under {limit}.",
    ),
    "not_text": (
        "Mình chỉ đọc được chữ. Hãy gõ câu hỏi về tin tức, ví dụ: <i>Ai chủ trì hội nghị?</i>",
        "I can only read text. Type a question about the news, e.g. <i>Ai chủ trì hội nghị?</i>",
    ),
    "unknown_command": (
        "Không có lệnh {command}. Gõ /help để xem các lệnh.",
        "There is no {command} command. Send /help for the list.",
    ),
    "ask_usage": ("Hãy gõ câu hỏi sau /ask, ví dụ: <i>/ask Ai chủ trì hội nghị?</i>",
                  "Put your question after /ask, e.g. <i>/ask Ai chủ trì hội nghị?</i>"),
    "widened": ("<i>Không có bài nào đăng “{when}” trả lời được câu này; dưới đây là câu trả lời từ mọi thời điểm.</i>",
                "<i>No article published “{when}” answers this; here is the answer from any time.</i>"),
    # A question typed without marks, answered as read with them: how it was read, so a misreading shows.
    "read_as": ("<i>Hiểu câu hỏi là: “{question}”</i>", "<i>Read as: “{question}”</i>"),
    "sources": ("Nguồn", "Sources"),
    "paragraph": ("đoạn {number}", "paragraph {number}"),
    "caption": ("chú thích ảnh {number}", "photo caption {number}"),
    "title": ("tiêu đề", "title"),
    # A question about an article (who wrote it, which paper ran it, when): the answer's first line.
    "as_of": ("Theo bài mới nhất trả lời được câu này, đăng ngày <b>{date}</b>:",
              "From the newest article that answers it, published on <b>{date}</b>:"),
    "fact_author": ("Bài “{title}” do <b>{value}</b> viết.", "“{title}” was written by <b>{value}</b>."),
    "fact_author_none": ("Bài “{title}” không ghi tên tác giả.", "“{title}” does not name its author."),
    "fact_source": ("Bài “{title}” đăng trên <b>{value}</b>.", "“{title}” ran in <b>{value}</b>."),
    "fact_source_none": ("Bài “{title}” không ghi nguồn.", "“{title}” does not name its source."),
    "fact_published": ("Bài “{title}” đăng ngày <b>{value}</b>.", "“{title}” was published on <b>{value}</b>."),
    "fact_published_none": ("Bài “{title}” không ghi ngày đăng.", "“{title}” has no publication date."),
    "no_date": ("không rõ ngày", "date unknown"),
    "search_usage": ("Hãy gõ từ khóa sau /search, ví dụ: <i>/search dân vận</i>",
                     "Put keywords after /search, e.g. <i>/search dân vận</i>"),
    "search_empty": ("Từ khóa chưa có từ nào để tìm.", "The keywords have no word to look for."),
    "search_none": ("Không có bài nào khớp với “{query}”.", "No article matches “{query}”."),
    "search_header": ("Kết quả cho “{query}” — trang {page}/{pages} ({total} bài, {order})",
                      "Results for “{query}” — page {page}/{pages} ({total} articles, {order})"),
    "by_newest": ("🕒 Mới nhất", "🕒 Newest"),
    "by_relevance": ("⭐ Liên quan nhất", "⭐ Most relevant"),
    "by_newest_header": ("mới nhất trước", "newest first"),
    "by_relevance_header": ("liên quan nhất trước", "most relevant first"),
    "search_bad": ("“{value}” không phải là ngày (viết như 15/10 hoặc 15/10/2024). Ví dụ: "
                   "<i>/search bão từ:1/10 đến:15/10 nguồn:vnexpress</i>",
                   "“{value}” is not a date (write 15/10 or 15/10/2024). E.g. "
                   "<i>/search bão từ:1/10 đến:15/10 nguồn:vnexpress</i>"),
    "search_bad_year": ("“{value}” không phải ngày nào từ 1900 đến 2100: tin tức chỉ có trong khoảng đó.",
                        "“{value}” is no date from 1900 to 2100: news only comes from those years."),
    "previous": ("‹ Trước", "‹ Previous"),
    "next": ("Sau ›", "Next ›"),
    "back": ("« Danh sách", "« Results"),
    "open_link": ("Đọc bài gốc", "Read the article"),
    "read": ("📖 Đọc bài", "📖 Read"),
    "page_of": ("Trang {page}/{pages}", "Page {page}/{pages}"),
    "rated_up": ("Cảm ơn bạn! Đã ghi nhận 👍", "Thanks! 👍 noted"),
    "rated_down": ("Cảm ơn bạn! Đã ghi nhận 👎, mình sẽ cố trả lời tốt hơn.", "Thanks! 👎 noted; we will do better."),
    "rated_same": ("Bạn đã chọn như vậy rồi.", "You already rated it so."),
    "stale_button": ("Nút này đã cũ. Hãy tìm lại bằng /search.", "This button has expired. Search again with /search."),
    "article_gone": ("Bài này không còn trong kho.", "That article is no longer available."),
    "trend_usage": ("Hãy gõ từ khóa sau /trend, ví dụ: <i>/trend bão</i> (90 ngày qua) hoặc <i>/trend bão 2023</i>",
                    "Put keywords after /trend, e.g. <i>/trend bão</i> (last 90 days) or <i>/trend bão 2023</i>"),
    "trend_caption": ("“{query}”: {total} bài từ {first} đến {last}", "“{query}”: {total} articles from {first} to {last}"),
    "trend_busy": ("Mình đang vẽ biểu đồ trước cho bạn; đợi xong rồi hỏi biểu đồ khác nhé.",
                   "Your previous chart is still being drawn; ask for another once it is sent."),
    "trend_none": ("Không có bài nào có ngày đăng khớp “{query}” từ {first} đến {last}.",
                   "No dated article matches “{query}” from {first} to {last}."),
    # Chart labels (plain text, drawn into the picture).
    "trend_title": ("Số bài khớp “{query}”", "Articles matching “{query}”"),
    "trend_y": ("Số bài", "Articles"),
    "trend_x_day": ("Ngày", "Day"),
    "trend_x_week": ("Tuần (bắt đầu thứ Hai)", "Week (from Monday)"),
    "latest_header": ("Các bài mới nhất", "Newest articles"),
    "latest_none": ("Chưa có bài báo nào.", "There are no articles yet."),
    "admins_only": ("Lệnh này chỉ dành cho quản trị viên.", "This command is for admins only."),
    "stats": (
        "<b>Thống kê</b>\nBài báo: {articles}\nĐoạn đã lập chỉ mục: {passages}\nTừ khóa trong chỉ mục: {terms}\n"
        "Chỉ mục trên đĩa: {index_mb} MB\nĐăng ký: {subscriptions}",
        "<b>Statistics</b>\nArticles: {articles}\nIndexed passages: {passages}\nIndex terms: {terms}\n"
        "Index on disk: {index_mb} MB\nSubscriptions: {subscriptions}",
    ),
    "sub_usage": (
        "Hãy gõ từ khóa sau /subscribe, ví dụ: <i>/subscribe bão lũ</i>. Mình sẽ báo khi có bài mới chứa đủ "
        "các từ đó.",
        "Put keywords after /subscribe, e.g. <i>/subscribe bão lũ</i>. I will alert you when a new article "
        "contains all of them.",
    ),
    "sub_ok": (
        "Đã đăng ký “{keywords}”. Mình sẽ báo khi có bài mới chứa đủ các từ này. Xem danh sách: /subscriptions",
        "Subscribed to “{keywords}”. You will get an alert when a new article contains all these words. "
        "Your list: /subscriptions",
    ),
    "sub_empty": ("Từ khóa chưa có từ nào để theo dõi.", "The keywords have no word to follow."),
    "sub_too_long": ("Từ khóa quá dài ({length} ký tự), tối đa {limit}.",
                     "The keywords are too long ({length} characters); the limit is {limit}."),
    "sub_too_many": ("Bạn đã có {limit} đăng ký, mức tối đa. Hãy hủy bớt bằng /unsubscribe.",
                     "You already have {limit} subscriptions, the maximum. Remove one with /unsubscribe."),
    "sub_duplicate": ("Bạn đã đăng ký “{keywords}” rồi.", "You are already subscribed to “{keywords}”."),
    "unsub_usage": ("Hãy gõ số thứ tự hoặc từ khóa sau /unsubscribe, ví dụ: <i>/unsubscribe 1</i>. "
                    "Xem danh sách: /subscriptions",
                    "Put a number or the keywords after /unsubscribe, e.g. <i>/unsubscribe 1</i>. "
                    "Your list: /subscriptions"),
    "unsub_ok": ("Đã hủy đăng ký “{keywords}”.", "Unsubscribed from “{keywords}”."),
    "unsub_not_found": ("Không có đăng ký “{which}” (bạn có {count} đăng ký). Xem danh sách: /subscriptions",
                        "No subscription “{which}” (you have {count}). Your list: /subscriptions"),
    "subs_none": ("Bạn chưa đăng ký nhận tin nào. Thử: <i>/subscribe bão lũ</i>",
                  "You have no subscriptions. Try: <i>/subscribe bão lũ</i>"),
    "subs_header": ("Đăng ký của bạn (bấm nút để hủy):", "Your subscriptions (tap a button to remove):"),
    "remove": ("Hủy {number}", "Remove {number}"),
    "sub_paused": ("tạm dừng: chủ đề đã bị xóa; đăng ký lại để bật", "paused: the topic was deleted; subscribe again"),
    "removed": ("Đã hủy “{keywords}”.", "Removed “{keywords}”."),
    "already_removed": ("Đăng ký này đã được hủy.", "That subscription was already removed."),
    "error": ("Xin lỗi, mình gặp lỗi khi xử lý tin nhắn này. Bạn thử lại sau nhé.",
              "Sorry, something went wrong with that message. Please try again later."),
    "alert_one": ("🔔 Bài mới khớp “{keywords}”:", "🔔 New article matching “{keywords}”:"),
    "alert_many": ("🔔 {count} bài mới khớp đăng ký của bạn:", "🔔 {count} new articles match your subscriptions:"),
    "paused": ("Đã tạm dừng nhận tin. Gõ /resume để nhận lại.", "Alerts paused. Send /resume to get them again."),
    "resumed": ("Đã bật lại nhận tin.", "Alerts are on again."),
    "quiet_usage": ("Gõ giờ yên lặng theo giờ Việt Nam, ví dụ <i>/quiet 22-7</i> (từ 22 giờ đến 7 giờ sáng); "
                    "<i>/quiet off</i> để tắt. Hiện tại: {current}.",
                    "Give quiet hours in Vietnam time, e.g. <i>/quiet 22-7</i> (10 pm to 7 am); <i>/quiet off</i> "
                    "to turn them off. Now: {current}."),
    "quiet_set": ("Giờ yên lặng: {start} giờ đến {end} giờ (giờ Việt Nam). Tin đến trong giờ này sẽ được gửi sau.",
                  "Quiet hours: {start}:00 to {end}:00 (Vietnam time). Alerts arriving then wait until the end."),
    "quiet_off": ("Đã tắt giờ yên lặng.", "Quiet hours are off."),
    "quiet_none": ("không có", "none"),
    "feeds_none": ("Chưa có nguồn tin RSS/Atom nào. Thêm bằng <i>/addfeed https://…</i>",
                   "No RSS/Atom feeds yet. Add one with <i>/addfeed https://…</i>"),
    "feeds_header": ("<b>Nguồn tin</b>", "<b>Feeds</b>"),
    "feed_line": ("{number}. {url}\n   lần được gần nhất: {success}; lỗi: {error}",
                  "{number}. {url}\n   last success: {success}; error: {error}"),
    "never": ("chưa có", "never"),
    "addfeed_usage": ("Gõ địa chỉ nguồn tin sau /addfeed, ví dụ <i>/addfeed https://vnexpress.net/rss/tin-moi-nhat.rss</i>",
                      "Put the feed address after /addfeed, e.g. <i>/addfeed https://vnexpress.net/rss/tin-moi-nhat.rss</i>"),
    "addfeed_bad": ("“{url}” không phải địa chỉ http(s).", "“{url}” is not an http(s) address."),
    "slow_down": ("Bạn gửi nhanh quá, mình trả lời không kịp. Đợi mình trả lời xong rồi hỏi tiếp nhé.",
                  "You are sending faster than I can answer. Please wait for my replies, then go on."),
    "addfeed_refused": ("Không thêm nguồn tin {url}: {reason}. Bot chỉ đọc các địa chỉ công khai trên Internet.",
                        "Feed {url} not added: {reason}. The bot only reads public Internet addresses."),
    "addfeed_ok": ("Đã thêm nguồn tin {url}; mình sẽ đọc nó trong ít giây.", "Added {url}; it will be read in a few seconds."),
    "addfeed_dup": ("Nguồn tin {url} đã có rồi.", "{url} is already a feed."),
    "opml_bad": ("Không đọc được tệp OPML: {reason}.", "Could not read the OPML file: {reason}."),
    "opml_too_big": ("tệp lớn hơn {limit} byte", "the file is over {limit} bytes"),
    "opml_summary": ("<b>Nhập OPML</b>: thêm {added} nguồn tin, bỏ qua {skipped}.",
                     "<b>OPML import</b>: {added} feeds added, {skipped} skipped."),
    "opml_skip_dup": ("• {url}: đã có", "• {url}: already a feed"),
    "opml_skip_bad": ("• {url}: không phải địa chỉ http(s)", "• {url}: not an http(s) address"),
    "opml_skip_refused": ("• {url}: {reason}", "• {url}: {reason}"),
    "opml_more": ("… và {count} nguồn khác bị bỏ qua.", "… and {count} more skipped."),
    "opml_export": ("{count} nguồn tin của Hỏi Tin (OPML), nhập được vào mọi trình đọc tin.",
                    "Hỏi Tin's {count} feeds (OPML), ready for any feed reader."),
    "delfeed_usage": ("Gõ số thứ tự (xem /feeds) hoặc địa chỉ sau /delfeed.",
                      "Put a number (see /feeds) or the address after /delfeed."),
    "delfeed_ok": ("Đã bỏ nguồn tin {url}.", "Removed the feed {url}."),
    "delfeed_missing": ("Không có nguồn tin “{which}”. Xem /feeds.", "No feed “{which}”. See /feeds."),
    "stats_alerts": (
        "\n<b>Tin báo</b>\nĐang chờ gửi: {pending}\nĐã gửi trong 1 giờ qua: {last_hour}"
        "\nNhóm/người không nhận được: {unreachable}",
        "\n<b>Alerts</b>\nWaiting: {pending}\nSent in the last hour: {last_hour}\nUnreachable chats: {unreachable}",
    ),
    "stats_ratings": ("\n<b>Đánh giá câu trả lời</b>\n👍 {up} · 👎 {down} (trên {rated} câu trả lời)",
                      "\n<b>Answer ratings</b>\n👍 {up} · 👎 {down} (on {rated} answers)"),
    "stats_feed": ("• {url}: được lúc {success}; lỗi: {error}", "• {url}: last success {success}; error: {error}"),
    "lang_usage": ("Chọn ngôn ngữ cho cuộc trò chuyện này: <i>/lang vi</i> (tiếng Việt) hoặc <i>/lang en</i> "
                   "(English).",
                   "Choose this chat's language: <i>/lang vi</i> (Vietnamese) or <i>/lang en</i> (English)."),
    "lang_set": ("Từ giờ mình trả lời bằng tiếng Việt.", "From now on I reply in English."),
    # Command menu (set_my_commands), without HTML.
    "cmd_start": ("Bắt đầu và câu hỏi mẫu", "Start and example questions"),
    "cmd_help": ("Hướng dẫn", "Help"),
    "cmd_ask": ("Hỏi về tin tức (trong nhóm)", "Ask about the news (in groups)"),
    "cmd_search": ("Tìm bài báo", "Search articles"),
    "cmd_latest": ("Các bài mới nhất", "Newest articles"),
    "cmd_subscribe": ("Nhận tin theo từ khóa", "Alerts for keywords"),
    "cmd_subscriptions": ("Các đăng ký của bạn", "Your subscriptions"),
    "cmd_unsubscribe": ("Hủy đăng ký", "Remove a subscription"),
    "cmd_pause": ("Tạm dừng nhận tin", "Pause alerts"),
    "cmd_resume": ("Nhận tin trở lại", "Resume alerts"),
    "cmd_trend": ("Biểu đồ số bài theo thời gian", "Chart of articles over time"),
    "cmd_quiet": ("Giờ yên lặng, ví dụ 22-7", "Quiet hours, e.g. 22-7"),
    "cmd_lang": ("Ngôn ngữ: vi hoặc en", "Language: vi or en"),
    # The console chat (plain text, Vietnamese).
    "console_help": (
        "Hỏi Tin — hỏi đáp về tin tức.\n"
        "Gõ câu hỏi bằng tiếng Việt (có dấu hoặc không dấu), ví dụ: Ai chủ trì hội nghị?\n"
        "Lệnh:\n"
        "  /search <từ khóa>   tìm bài báo ({per_page} bài mỗi trang)\n"
        "  /page <số>          sang trang khác của lần tìm gần nhất\n"
        "  /latest             các bài mới nhất\n"
        "  /help               hướng dẫn này\n"
        "  /quit hoặc Ctrl-D   thoát",
        "Hỏi Tin — questions about the news.\n"
        "Type a question in Vietnamese (with or without diacritics), e.g. Ai chủ trì hội nghị?\n"
        "Commands:\n"
        "  /search <keywords>  find articles ({per_page} a page)\n"
        "  /page <number>      another page of the last search\n"
        "  /latest             newest articles\n"
        "  /help               this help\n"
        "  /quit or Ctrl-D     leave",
    ),
    "console_too_long": ("Câu hỏi quá dài ({length} ký tự). Hãy hỏi ngắn gọn, tối đa {limit} ký tự.",
                         "The question is too long ({length} characters); at most {limit}, please."),
    "console_search_usage": ("Hãy gõ từ khóa sau /search, ví dụ: /search dân vận",
                             "Type keywords after /search, e.g. /search dân vận"),
    "console_no_search_yet": ("Chưa có lần tìm nào. Hãy dùng /search <từ khóa> trước.",
                              "No search yet: use /search <keywords> first."),
    "console_no_such_page": ("Không có trang {page}: kết quả chỉ có {pages} trang.",
                             "There is no page {page}: the results have {pages} page(s)."),
    "console_page_usage": ("Hãy gõ số trang, ví dụ: /page 2", "Type a page number, e.g. /page 2"),
    "console_unknown_command": ("Không có lệnh {command}. Gõ /help để xem các lệnh.",
                                "There is no command {command}. Type /help for the commands."),
    "console_empty_question": ("Câu hỏi chưa có từ nào để tìm. Hãy hỏi cụ thể hơn.",
                               "The question has no word to search for. Please be more specific."),
    "console_search_bad": ("“{value}” không phải là ngày (viết như 15/10 hoặc 15/10/2024).",
                           "“{value}” is not a date (write 15/10 or 15/10/2024)."),
    "console_search_empty": ("Từ khóa chưa có từ nào để tìm.", "The keywords have no word to search for."),
    "console_latest_none": ("Chưa có bài báo nào.", "There are no articles yet."),
    "console_prompt": ("Hỏi> ", "Ask> "),
    "console_goodbye": ("Tạm biệt!", "Goodbye!"),
}

COMMANDS = ("start", "help", "ask", "search", "latest", "trend", "subscribe", "subscriptions", "unsubscribe", "pause",
            "resume", "quiet", "lang")


def language(code: str | None) -> str:
    """Vietnamese unless Telegram says the user reads another language."""
    return EN if code and not code.lower().startswith(VI) else VI


def text(key: str, lang: str = VI, **values: object) -> str:
    vi, en = TEXTS[key]
    template = en if lang == EN else vi
    return template.format(**values) if values else template
