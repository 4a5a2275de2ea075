export { LibraryService, toImageDto, type UploadFile, type UploadResult, type ImageDto } from './library-service';
export { Importer, MAX_FILE_BYTES, type ImportRequest } from './importer';
export { LibraryFiles } from './library-files';
export { decodeImage, ImageRejection, MAX_INPUT_PIXELS, THUMBNAIL_SIZE } from './decode';
export { walkPaths, cleanLabel } from './walk';
export { LabellingService, toLabelCount } from './labelling-service';
export { HISTORY_LIMIT } from './label-history';
export { NO_IMPLIED_WORK, type ImpliedWork, type PictureDecoder } from './ingest';
