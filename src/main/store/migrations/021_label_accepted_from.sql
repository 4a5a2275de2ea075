-- Where a picture's label came from: the model whose guess a person accepted (`POST
-- …/accept`, Enter in the grid or review), or NULL when a person, a folder name or a script
-- gave it. Such a label agrees with that model by construction, so when a new model is
-- compared with the active one, these pictures are not held-out evidence for either (they
-- still train). No foreign key: a deleted model's guesses stay marked as guesses.
ALTER TABLE images ADD COLUMN accepted_from INTEGER;
