"""Publications built from the public views: advocacy notes, ..."""
