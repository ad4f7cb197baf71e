-- 001: what `influx ingest` stores. One row per CSV row in `videos`, one row per detected face in `faces`.

CREATE TABLE videos (
    row_index      INTEGER PRIMARY KEY,  -- 0-based position of the row in the input CSV (the video's identity)
    video_url      VARCHAR,              -- the `Video URL` cell as given (URL, local path or file:// URL)
    performance    DOUBLE,               -- the `Performance` cell; NULL when empty or not a finite number
    extra          JSON,                 -- every other CSV column of the row, as a JSON object
    input_error    VARCHAR,              -- what was wrong with the row itself (empty URL, bad score), else NULL
    status         VARCHAR NOT NULL DEFAULT 'pending',
                                         -- pending | ok | no_faces | failed | duplicate
    error_kind     VARCHAR,              -- short category of `error` (http_404, timeout, decode, ...), else NULL
    error          VARCHAR,              -- why the video failed (download, decode), readable, else NULL
    sha256         VARCHAR,              -- SHA-256 of the video bytes
    bytes          BIGINT,               -- size of the video file
    duplicate_of   INTEGER,              -- for status 'duplicate': the row_index whose identical bytes were decoded
    local_path     VARCHAR,              -- where the file was read from (downloads: <videos-dir>/<row_index>.mp4)
    duration_s     DOUBLE,               -- length in seconds
    fps            DOUBLE,               -- frames per second stated by the container
    width          INTEGER,              -- frame width after rotation metadata is applied
    height         INTEGER,              -- frame height after rotation metadata is applied
    frames_sampled INTEGER,              -- frames that went through face detection
    n_faces        INTEGER,              -- faces stored for this video (0 for no_faces)
    download_s     DOUBLE,               -- seconds spent getting the file
    process_s      DOUBLE,               -- seconds spent decoding, detecting and encoding
    ingested_at    TIMESTAMP             -- when the row reached its current status
);

CREATE SEQUENCE face_id_seq START 1;

CREATE TABLE faces (
    face_id      BIGINT PRIMARY KEY DEFAULT nextval('face_id_seq'),
    row_index    INTEGER NOT NULL,       -- the video (a duplicate row shares the faces of its `duplicate_of` row)
    frame_index  INTEGER NOT NULL,       -- index of the frame in the video's decoded stream
    timestamp_s  DOUBLE NOT NULL,        -- time of the frame in seconds
    box_top      INTEGER NOT NULL,       -- bounding box in original (rotated) frame pixels
    box_right    INTEGER NOT NULL,
    box_bottom   INTEGER NOT NULL,
    box_left     INTEGER NOT NULL,
    face_size    INTEGER NOT NULL,       -- sqrt(box width * box height), in pixels
    detector_score DOUBLE,               -- dlib HOG detector confidence (higher is surer)
    sharpness    DOUBLE NOT NULL,        -- variance of the Laplacian of the grey face crop (higher is sharper)
    frontality   DOUBLE NOT NULL,        -- 1 = nose centred between the eyes, 0 = full profile
    embedding    FLOAT[128] NOT NULL,    -- dlib/face_recognition 128-d face encoding
    crop         BLOB NOT NULL,          -- JPEG of the face with margin, at most 256 px a side
    UNIQUE (row_index, frame_index, box_top, box_right, box_bottom, box_left)
);
