/**
 * core/frameworks: skill frameworks the achievements align to. A framework is a CASE CFDocument
 * with a tree of CFItems (code, statement, description, type, language) that the studio edits
 * (add, move, reorder, delete, freeze versions), imported from CASE 1.1 CFPackage JSON or a
 * simple CSV, exported as a CFPackage that round-trips, and turned into OB 3.0 Alignments.
 */
export {
  addItem,
  createFramework,
  deleteFramework,
  deleteItem,
  frameworkVersionPackage,
  frameworkVersions,
  getFramework,
  listFrameworks,
  moveItem,
  saveFrameworkVersion,
  treeOrder,
  updateFramework,
  updateItem,
  MAX_ITEMS,
  type Framework,
  type FrameworkItem,
  type FrameworkSummary,
  type FrameworkVersion,
  type ItemInput,
  type NewFramework,
} from './tree.ts';
export { exportCasePackage, importCasePackage, CASE_ASSOCIATION_TYPES, type CaseImportOptions } from './case.ts';
export { importCtdlFramework, isCtdlFramework } from './ctdl.ts';
export { importFrameworkCsv, FRAMEWORK_CSV_HELP, type CsvImportOptions } from './csv.ts';
export { alignmentFor, competencyAchievement, findItem, targetTypeFor, type CompetencyOptions } from './align.ts';
