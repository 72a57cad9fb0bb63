"""Receiving uploaded files: a file larger than the desk's limit is refused while it streams in.

Django's own handlers store a whole upload (in memory or a temporary file) before anything can look at
its size. This handler stores like them (small requests in memory, others in a temporary file) but
stops storing a file as soon as it passes SERVICEDESK_ATTACHMENT_MAX_BYTES: what was stored is dropped
(the temporary file deleted), the rest of that file is read past, and the form or API gets a
`RefusedUpload` in its place, whose size is over the limit, so the desk's usual check refuses it with
its message and what was typed is kept.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class RefusedUpload(UploadedFile):
    """A file refused while it was received: its name and the bytes seen (more than the limit), no content."""

    refused = True

    def __init__(self, name: str, content_type: str, size: int):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def open(self, mode=None):
        # File.open would otherwise open whatever file of the uploaded name the working folder holds.
        raise ValueError("A refused upload has no content.")


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.in_memory = content_length is not None and content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.SERVICEDESK_ATTACHMENT_MAX_BYTES
        self.received = 0
        self.refused = False
        if self.in_memory:
            self.file = BytesIO()
        else:
            self.file = TemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset,
                                              self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.refused:
            return None
        if self.received > self.limit:
            self.refused = True
            self.file.close()  # a temporary file is deleted when closed
            return None
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.refused:
            return RefusedUpload(self.file_name, self.content_type, self.received)
        self.file.seek(0)
        if self.in_memory:
            return InMemoryUploadedFile(self.file, self.field_name, self.file_name, self.content_type, file_size,
                                        self.charset, self.content_type_extra)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        file = getattr(self, "file", None)
        if file is not None and not self.in_memory:
            file.close()
