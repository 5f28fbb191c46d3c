"""generator subpackage of cnnexam."""
