// Replace the initial password of the logged-in user (first start of the local server).
ALTER CURRENT USER SET PASSWORD FROM $old TO $new
