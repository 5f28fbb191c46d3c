"""autograder subpackage of cnnexam."""
