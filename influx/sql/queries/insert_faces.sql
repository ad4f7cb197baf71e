-- Store one video's faces from the registered data frame `new_faces` (the encoder's vectors as given).
INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,
                   detector_score, sharpness, frontality, embedding, crop, detector, encoder)
SELECT row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,
       detector_score, sharpness, frontality, embedding::FLOAT[], crop, detector, encoder
FROM new_faces;
