export { BrokerService, redactUrl, type BrokerOptions, type WorkerView } from './broker-service';
export { EMBED_KIND, EmbedBatchInput, EmbedBatchResult, encodeVector, decodeVector } from './embed-kind';
