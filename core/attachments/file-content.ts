import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { DomainError } from '../platform/errors.js';

/** What an upload may be, told by its bytes; the name and the declared type are never believed. */
const accepted = {
  'image/jpeg': { ext: 'jpg', kind: 'image' },
  'image/png': { ext: 'png', kind: 'image' },
  'image/webp': { ext: 'webp', kind: 'image' },
  // AVIF only: the sharp build decodes HEIF's AV1 flavour, not HEIC's HEVC (phones' browsers send HEIC photos as JPEG anyway).
  'image/avif': { ext: 'avif', kind: 'image' },
  'application/pdf': { ext: 'pdf', kind: 'document' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { ext: 'docx', kind: 'document' },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { ext: 'xlsx', kind: 'document' },
} as const satisfies Record<string, { ext: string; kind: 'image' | 'document' }>;

export const acceptedTypes = Object.keys(accepted) as (keyof typeof accepted)[];
/** Types the API answers with: AVIF is stored re-encoded as JPEG, thumbnails are JPEG. */
export const servedTypes = acceptedTypes.filter((type) => type !== 'image/avif');

export interface ContentLimits {
  maxBytes: number;
  /** Decoded size an image may have: a small file can decode to gigabytes of pixels. */
  maxPixels: number;
  thumbnailPx: number;
}

export interface InspectedFile {
  kind: 'image' | 'document';
  contentType: string;
  ext: string;
  /** What is stored: the upload itself for documents, the re-encoded image for images. */
  bytes: Buffer;
  width: number | null;
  height: number | null;
  thumbnail: { bytes: Buffer; contentType: string } | null;
}

const field = 'file';

/**
 * Tells the file's type from its content and refuses what is not accepted; re-encodes images so
 * that nothing of the original's metadata survives (EXIF with the GPS position, XMP, IPTC,
 * comments), with the EXIF orientation applied to the pixels first, and makes a thumbnail.
 */
export async function inspectUpload(bytes: Buffer, limits: ContentLimits): Promise<InspectedFile> {
  if (bytes.length === 0) throw new DomainError('ATTACHMENT_EMPTY', 'The file is empty.', { field });
  if (bytes.length > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const detected = await fileTypeFromBuffer(bytes);
  const type = detected && detected.mime in accepted ? accepted[detected.mime as keyof typeof accepted] : null;
  if (!detected || !type) {
    throw new DomainError(
      'ATTACHMENT_TYPE_REFUSED',
      `The file's content is ${detected ? `${detected.mime} (.${detected.ext})` : 'of no type we recognise'}; only photos (JPEG, PNG, WebP, AVIF), PDF, Word (.docx) and Excel (.xlsx) files are accepted, whatever the file is named.`,
      { field, detected: detected?.mime ?? null, accepted: acceptedTypes },
    );
  }
  if (type.kind === 'document') {
    return { kind: 'document', contentType: detected.mime, ext: type.ext, bytes, width: null, height: null, thumbnail: null };
  }
  return reencode(bytes, detected.mime, limits);
}

export const tooLarge = (maxBytes: number) =>
  new DomainError('ATTACHMENT_TOO_LARGE', `The file is larger than ${(maxBytes / 1_048_576).toFixed(0)} MB.`, { field, maxBytes });

async function reencode(bytes: Buffer, mime: string, limits: ContentLimits): Promise<InspectedFile> {
  const source = () => sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' }).rotate();
  try {
    // sharp writes no metadata unless asked (withMetadata/keepExif): the output carries pixels only.
    const format = mime === 'image/png' ? 'png' : mime === 'image/webp' ? 'webp' : 'jpeg';
    const encoded = format === 'png' ? source().png() : format === 'webp' ? source().webp({ quality: 90 }) : source().jpeg({ quality: 90 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    const thumbnail = await source().resize(limits.thumbnailPx, limits.thumbnailPx, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    return {
      kind: 'image', contentType: `image/${format}`, ext: format === 'jpeg' ? 'jpg' : format, bytes: data, width: info.width, height: info.height,
      thumbnail: { bytes: thumbnail, contentType: 'image/jpeg' },
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(message)) {
      throw new DomainError('ATTACHMENT_TOO_LARGE', `The image has more than ${Math.round(limits.maxPixels / 1e6)} million pixels.`, { field, maxPixels: limits.maxPixels });
    }
    throw new DomainError('ATTACHMENT_UNREADABLE', 'The image is damaged or cannot be decoded.', { field });
  }
}
