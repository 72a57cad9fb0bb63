"""The knowledge base in the admin. Articles are written in the console (every save a version, the
review workflow); here an administrator fixes their upkeep (owner, reviewer, review-by date) or deletes
one. Versions, feedback and readers' events are records, shown only."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Article, ArticleAttachment, ArticleEvent, ArticleVersion, Feedback, SearchGap, TicketArticle

CONTENT = ("language", "translation_of", "title", "summary", "body", "audience", "organisations", "service",
           "category", "tags", "state", "current_version", "version", "is_live", "live_version", "live_title",
           "live_summary", "live_body", "published_at", "published_by", "popularity", "created_by", "created_at",
           "updated_at")


@admin.register(Article)
class ArticleAdmin(AuditedAdmin):
    list_display = ("title", "language", "state", "is_live", "audience", "service", "owner", "review_by",
                    "updated_at")
    list_filter = ("state", "is_live", "audience", "language", "service")
    search_fields = ("title", "live_title")
    raw_id_fields = ("owner", "reviewer")
    fields = ("owner", "reviewer", "review_by", *CONTENT)
    readonly_fields = CONTENT
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(SearchGap)
class SearchGapAdmin(AuditedAdmin):
    list_display = ("query", "language", "count", "first_at", "last_at", "resolved")
    list_filter = ("resolved", "language")
    search_fields = ("query",)
    fields = ("query", "language", "count", "first_at", "last_at", "resolved")
    readonly_fields = ("query", "language", "count", "first_at", "last_at")

    def has_add_permission(self, request):
        return False


@admin.register(TicketArticle)
class TicketArticleAdmin(AuditedAdmin):
    list_display = ("ticket", "article", "kind", "linked_by", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("ticket", "article", "linked_by")
    readonly_fields = ("ticket", "article", "kind", "linked_by", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnlyAdmin):
    list_display = ("article", "number", "title", "edited_by", "created_at", "note")
    search_fields = ("title",)
    list_select_related = ("article", "edited_by")


@admin.register(ArticleAttachment)
class ArticleAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "article", "content_type", "size", "uploaded_by", "created_at")
    search_fields = ("filename",)
    list_select_related = ("article", "uploaded_by")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("article", "helpful", "user", "created_at", "comment")
    list_filter = ("helpful",)
    list_select_related = ("article", "user")


@admin.register(ArticleEvent)
class ArticleEventAdmin(ReadOnlyAdmin):
    list_display = ("article", "kind", "user", "ticket", "created_at")
    list_filter = ("kind",)
    list_select_related = ("article", "user", "ticket")
    show_full_result_count = False
