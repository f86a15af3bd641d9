# The store's messages: its errors, phrased for people (what happened, what to do).
