"""One scorer per benchmark family: LAMM numbers, honest metrics and per-sample records from aligned answers."""
