"""Labels of the values a choice field may take (中文, English)."""

from __future__ import annotations

VALUE_LABELS: dict[str, tuple[str, str]] = {
    # 审理程序 (refer)
    "ordinary": ("普通程序", "Ordinary procedure"),
    "simple": ("简易程序", "Simple procedure"),
    # 不同意的一方 (record_consent)
    "consumer": ("消费者", "Consumer"),
    "business": ("经营者", "Business"),
    "both": ("双方", "Both"),
    # 送达方式 (notify_parties)
    "in_person": ("直接送达", "In person"),
    "post": ("邮寄送达", "By post"),
    "sms": ("短信送达", "By SMS"),
    "email": ("电子邮件送达", "By e-mail"),
    "phone": ("电话通知", "By telephone"),
    "online": ("线上", "Online"),
}
