-- 007: which face models produced each face. Vectors of two encoders are not comparable: `influx
-- cluster` refuses a database whose faces come from more than one encoder. The embedding column
-- takes vectors of any length (the encoder declares it), no longer dlib's 128 only.
ALTER TABLE faces ADD COLUMN detector VARCHAR;  -- e.g. 'dlib-hog 19.24.6' (name and version)
ALTER TABLE faces ADD COLUMN encoder VARCHAR;   -- e.g. 'dlib_face_recognition_resnet_model_v1'
UPDATE faces SET detector = 'dlib-hog', encoder = 'dlib_face_recognition_resnet_model_v1';  -- before 007: always these
ALTER TABLE faces ALTER embedding TYPE FLOAT[];
