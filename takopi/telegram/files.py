"""Upstream Takopi's ``takopi.telegram.files``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.file_transfer``.
"""

from takopi_core.run.file_transfer import (
    ZipTooLargeError,
    default_upload_name,
    default_upload_path,
    deny_reason,
    file_usage,
    format_bytes,
    normalize_relative_path,
    parse_file_command,
    parse_file_prompt,
    resolve_path_within_root,
    split_command_args,
    write_bytes_atomic,
    zip_directory,
)

__all__ = [
    "ZipTooLargeError",
    "default_upload_name",
    "default_upload_path",
    "deny_reason",
    "file_usage",
    "format_bytes",
    "normalize_relative_path",
    "parse_file_command",
    "parse_file_prompt",
    "resolve_path_within_root",
    "split_command_args",
    "write_bytes_atomic",
    "zip_directory",
]
