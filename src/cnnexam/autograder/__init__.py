"""Grading handed-in notebooks into a crash-safe gradebook, and the reports made from it.

The stages, one module each: ``submissions`` finds and reads the files (a folder, or the zip an LMS hands
out), ``identify`` decides whose submission it is and whose paper it answers, ``extract`` reads the answers
out of the cells without running anything, ``context`` regenerates each student's questions from the
manifest, ``grade`` runs the batch over worker processes and ``gradebook`` records it in SQLite.
``reports`` turns a gradebook into LMS imports, feedback and statistics.
"""

from cnnexam import __version__

# Stored with every graded submission: a rerun regrades only what an older grader graded. Bump the
# revision whenever a change in the autograder could change a score or a message.
GRADER_VERSION = f"cnnexam {__version__} autograder 3"
